package io.cgfed.codec;

import io.cgfed.service.support.ProblemHandlers;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/** Hosts the codecs' decoders: decodes single updates and decodes + aggregates whole rounds. */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(ProblemHandlers.class)
public class CodecServiceApplication {
    public static void main(String[] args) {
        SpringApplication.run(CodecServiceApplication.class, args);
    }
}
