package io.cgfed.coordinator;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Coordinator settings ({@code cgfed.coordinator.*}).
 *
 * @param blobDir         where adapters and accepted uploads are written (a volume in production)
 * @param codecServiceUrl base URL of the codec-service
 * @param registryUrl     base URL of the experiment registry
 * @param tick            how often round state is advanced
 * @param maxPollWait     longest a worker's task poll is held open
 * @param workerTimeout   a worker unseen for this long is not given new experiments
 * @param codecTrainingTimeout longest a TGAP codec training may take before the experiment fails (default 2 h)
 * @param maxAttachmentBytes   largest TGAP collection, FAF contribution or audit upload accepted (default 256 MiB)
 */
@Validated
@ConfigurationProperties("cgfed.coordinator")
public record CoordinatorProperties(@NotNull Path blobDir, @NotBlank String codecServiceUrl, @NotBlank String registryUrl,
                                    @NotNull Duration tick, @NotNull Duration maxPollWait, @NotNull Duration workerTimeout,
                                    Duration codecTrainingTimeout, Long maxAttachmentBytes) {
    public CoordinatorProperties {
        codecTrainingTimeout = codecTrainingTimeout == null ? Duration.ofHours(2) : codecTrainingTimeout;
        maxAttachmentBytes = maxAttachmentBytes == null ? 256L << 20 : maxAttachmentBytes;
    }
}
