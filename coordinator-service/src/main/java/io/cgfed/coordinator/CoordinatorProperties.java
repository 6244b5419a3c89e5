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
 * @param workerTimeout   a worker unseen for this long (no poll, no heartbeat) is not given new experiments, and
 *                        its open tasks are handed to live workers
 * @param codecTrainingTimeout longest a TGAP codec training may take before the experiment fails (default 2 h)
 * @param maxAttachmentBytes   largest TGAP collection, FAF contribution or audit upload accepted (default 256 MiB)
 * @param codecServiceTimeout  longest the coordinator waits for one codec-service answer (default 5 min)
 * @param codecRetryInitial    after a failed codec-service call while closing a round, the first wait
 *                             before the next attempt; it doubles with each failure in a row (default 1 s)
 * @param codecRetryMax        the longest such wait (default 1 min)
 */
@Validated
@ConfigurationProperties("cgfed.coordinator")
public record CoordinatorProperties(@NotNull Path blobDir, @NotBlank String codecServiceUrl, @NotBlank String registryUrl,
                                    @NotNull Duration tick, @NotNull Duration maxPollWait, @NotNull Duration workerTimeout,
                                    Duration codecTrainingTimeout, Long maxAttachmentBytes, Duration codecServiceTimeout,
                                    Duration codecRetryInitial, Duration codecRetryMax) {
    public CoordinatorProperties {
        codecTrainingTimeout = codecTrainingTimeout == null ? Duration.ofHours(2) : codecTrainingTimeout;
        maxAttachmentBytes = maxAttachmentBytes == null ? 256L << 20 : maxAttachmentBytes;
        codecServiceTimeout = codecServiceTimeout == null ? Duration.ofMinutes(5) : codecServiceTimeout;
        codecRetryInitial = codecRetryInitial == null ? Duration.ofSeconds(1) : codecRetryInitial;
        codecRetryMax = codecRetryMax == null ? Duration.ofMinutes(1) : codecRetryMax;
    }

    /** The wait after the {@code failures}-th failed codec-service call in a row: initial x 2^(failures-1), capped. */
    public Duration codecRetryDelay(int failures) {
        Duration d = codecRetryInitial;
        for (int i = 1; i < failures && d.compareTo(codecRetryMax) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(codecRetryMax) > 0 ? codecRetryMax : d;
    }
}
