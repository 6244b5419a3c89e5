package io.cgfed.registry;

import io.cgfed.service.support.ProblemHandlers;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** The record of every experiment: its spec, status and per-round metrics. */
@SpringBootApplication
@Import(ProblemHandlers.class)
public class RegistryApplication {
    public static void main(String[] args) {
        SpringApplication.run(RegistryApplication.class, args);
    }
}
