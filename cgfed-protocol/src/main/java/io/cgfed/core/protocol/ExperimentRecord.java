package io.cgfed.core.protocol;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * An experiment as the registry keeps it; the coordinator posts it again whenever it changes (the record both
 * sides serialise: {@code RegistrySync} writes it, the registry's controller reads it).
 */
public record ExperimentRecord(
        @NotNull UUID id,
        @NotBlank String name,
        @NotBlank String status,
        @NotBlank String codec,
        @NotNull Map<String, Object> spec,
        Map<String, Object> summary,
        Instant createdAt,
        Instant updatedAt) {
}
