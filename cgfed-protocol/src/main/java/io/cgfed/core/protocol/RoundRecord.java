package io.cgfed.core.protocol;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Instant;
import java.util.Map;

/**
 * Metrics of one closed round. Round 0 is the evaluation of the starting adapter, before any
 * training: the baseline every later round is compared with.
 */
public record RoundRecord(
        @PositiveOrZero int round,
        @PositiveOrZero int clients,
        Double trainLoss,
        Double evalLoss,
        Double accuracy,
        @PositiveOrZero long uploadBytes,
        @PositiveOrZero long rawUpdateBytes,
        @PositiveOrZero long durationMs,
        @NotNull Map<String, Object> metrics,
        Instant recordedAt) {
}
