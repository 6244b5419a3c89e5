package io.cgfed.coordinator;

import io.cgfed.service.support.ProblemHandlers;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Runs experiments: rounds, client selection, tasks, uploads and global adapter versions. */
@SpringBootApplication
@EnableScheduling
@ConfigurationPropertiesScan
@Import(ProblemHandlers.class)
public class CoordinatorApplication {
    public static void main(String[] args) {
        SpringApplication.run(CoordinatorApplication.class, args);
    }
}
