package io.cgfed.registry;

import io.cgfed.service.support.ProblemHandlers;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * The record of every experiment: its spec, status and per-round metrics; its adapter versions as
 * PEFT downloads, fetched from the coordinator.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(ProblemHandlers.class)
public class RegistryApplication {
    public static void main(String[] args) {
        SpringApplication.run(RegistryApplication.class, args);
    }
}
