package io.cgfed.worker;

import io.cgfed.service.support.ProblemHandlers;
import io.cgfed.service.support.limits.RequestLimits;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/** One federated client: trains LoRA on its own data, encodes and uploads its update, evaluates. */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import({ProblemHandlers.class, RequestLimits.class})
public class WorkerApplication {
    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        SpringApplication.run(WorkerApplication.class, args);
    }
}
