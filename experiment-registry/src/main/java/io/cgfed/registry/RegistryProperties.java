package io.cgfed.registry;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Registry settings ({@code cgfed.registry.*}).
 *
 * @param coordinatorUrl base URL of the coordinator, which holds the adapter versions the registry
 *                       serves as PEFT downloads (env {@code CGFED_COORDINATOR_URL})
 */
@Validated
@ConfigurationProperties("cgfed.registry")
public record RegistryProperties(@NotBlank String coordinatorUrl) {
}
