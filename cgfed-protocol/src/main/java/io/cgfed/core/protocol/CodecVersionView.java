package io.cgfed.core.protocol;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A learned codec's version as the codec-service shows it ({@code GET /api/v1/experiments/{id}/codec-versions}
 * and the answers of TGAP, FAF adaptation and refit), read by the coordinator (which passes it on to users and
 * the registry). One record both sides serialise with Jackson: a field renamed here is renamed for both, and
 * {@code CodecVersionContractTest} pins the JSON names the API documents.
 *
 * @param status        TRAINING, READY or FAILED
 * @param settings      the codec's settings as trained (the spec's, with defaults)
 * @param progress      TGAP's progress while it trains (epoch, losses), null when none
 * @param snapshots     the TGAP snapshots it was trained on (null when a peer does not say)
 * @param history       TGAP's loss curve: per epoch, trainLoss and heldOutLoss; empty for FAF versions
 * @param quality       held-out reconstruction quality of a READY version, null before
 */
public record CodecVersionView(UUID experimentId, int version, String codec, String architecture, String origin,
                               Integer parentVersion, String status, Map<String, Object> settings, Integer snapshots,
                               Map<String, Object> progress, List<Object> history, Map<String, Object> quality,
                               String failureReason, Long weightsBytes, String weightsSha256, Instant createdAt,
                               Instant finishedAt) {
    public boolean ready() {
        return "READY".equals(status);
    }

    public boolean failed() {
        return "FAILED".equals(status);
    }

    /** What the coordinator asks the codec-service to train TGAP version 1 with (the multipart's "spec" part). */
    public record TgapRequest(String codec, Map<String, Object> settings) {
    }
}
