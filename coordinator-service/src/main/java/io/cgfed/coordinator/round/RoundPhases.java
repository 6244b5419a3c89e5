package io.cgfed.coordinator.round;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long each phase of a round took, in milliseconds, derived from the round's timestamps and the phase
 * times it recorded; null where the round had no such phase (or has not reached it yet).
 *
 * @param collectingMs    open until uploads closed: waiting for the clients
 * @param aggregationMs   decode, FedAvg, new adapter
 * @param codecTrainingMs TGAP training in round 0 (collection closed until codec version 1 READY), FAF
 *                        refit/adaptation later
 * @param evaluationMs    new adapter until its evaluation was reported (round 0: opened until then)
 * @param totalMs         opened until closed
 */
record RoundPhases(Long collectingMs, Long aggregationMs, Long codecTrainingMs, Long evaluationMs, Long totalMs) {
    static RoundPhases of(Round r) {
        Long codec = r.getCodecMs();
        if (codec == null && r.getRound() == 0 && r.getUploadsClosedAt() != null) {
            // TGAP: collection closed until codec version 1 READY
            codec = between(r.getUploadsClosedAt(), r.getAggregatedAt());
        }
        // evaluation waits from the aggregation (TGAP's round 0: the codec trained); a round 0 without TGAP
        // evaluates from its opening
        Instant asked = r.getAggregatedAt() != null ? r.getAggregatedAt() : (r.getRound() == 0 ? r.getOpenedAt() : null);
        return new RoundPhases(between(r.getOpenedAt(), r.getUploadsClosedAt()), r.getAggregationMs(), codec,
                between(asked, r.getClosedAt()), between(r.getOpenedAt(), r.getClosedAt()));
    }

    /** Every phase, every key present, in this order (the REST views and the registry carry this map). */
    Map<String, Long> asMap() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("collectingMs", collectingMs);
        m.put("aggregationMs", aggregationMs);
        m.put("codecTrainingMs", codecTrainingMs);
        m.put("evaluationMs", evaluationMs);
        m.put("totalMs", totalMs);
        return m;
    }

    private static Long between(Instant from, Instant to) {
        return from == null || to == null ? null : Duration.between(from, to).toMillis();
    }
}
