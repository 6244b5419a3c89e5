package io.cgfed.coordinator;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
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
 * @param dataRoots            where a spec's {@code dataset.path} may point ({@code CGFED_DATA_ROOTS}, path-separated)
 * @param modelRoots           where checkpoints and warm-start adapters may lie ({@code CGFED_MODEL_ROOTS})
 * @param maxConcurrentUploads uploads read at once; the rest wait (default 16)
 * @param uploadMemoryBudget   declared body bytes read at once, 0 for a tenth of the heap
 * @param decodeMemoryBudget   decoded update bytes held at once (norm checks), 0 for a third of the heap
 * @param driverThreads        experiments advanced at once (default 4)
 * @param aggregation          {@code maxClientShare}: the largest FedAvg weight one client may get, in (0, 1] (1: no cap)
 * @param quarantine           {@code madFactor} (default 10) and {@code maxNorm} (0: no absolute cap) of
 *                             {@code UpdateQuarantine}
 */
@Validated
@ConfigurationProperties("cgfed.coordinator")
public record CoordinatorProperties(@NotNull Path blobDir, @NotBlank String codecServiceUrl, @NotBlank String registryUrl,
                                    @NotNull Duration tick, @NotNull Duration maxPollWait, @NotNull Duration workerTimeout,
                                    Duration codecTrainingTimeout, Long maxAttachmentBytes, Duration codecServiceTimeout,
                                    Duration codecRetryInitial, Duration codecRetryMax, String dataRoots, String modelRoots,
                                    @Min(1) Integer maxConcurrentUploads, @PositiveOrZero Long uploadMemoryBudget,
                                    @PositiveOrZero Long decodeMemoryBudget, @Min(1) Integer driverThreads,
                                    @Valid Aggregation aggregation, @Valid Quarantine quarantine) {
    /** {@code cgfed.coordinator.aggregation.*} */
    public record Aggregation(@DecimalMin(value = "0", inclusive = false) @DecimalMax("1") Double maxClientShare) {
        public Aggregation {
            maxClientShare = maxClientShare == null ? 1.0 : maxClientShare;
        }
    }

    /** {@code cgfed.coordinator.quarantine.*} */
    public record Quarantine(@DecimalMin(value = "0", inclusive = false) Double madFactor, @PositiveOrZero Double maxNorm) {
        public Quarantine {
            madFactor = madFactor == null ? 10.0 : madFactor;
            maxNorm = maxNorm == null ? 0.0 : maxNorm;
        }
    }

    public CoordinatorProperties {
        dataRoots = dataRoots == null ? "" : dataRoots;
        modelRoots = modelRoots == null ? "" : modelRoots;
        maxConcurrentUploads = maxConcurrentUploads == null ? 16 : maxConcurrentUploads;
        uploadMemoryBudget = uploadMemoryBudget == null ? 0L : uploadMemoryBudget;
        decodeMemoryBudget = decodeMemoryBudget == null ? 0L : decodeMemoryBudget;
        driverThreads = driverThreads == null ? 4 : driverThreads;
        aggregation = aggregation == null ? new Aggregation(null) : aggregation;
        quarantine = quarantine == null ? new Quarantine(null, null) : quarantine;
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
