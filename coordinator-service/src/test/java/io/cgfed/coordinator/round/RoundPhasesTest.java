package io.cgfed.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Each phase's time as a round of each kind records it, and the map the views carry. */
class RoundPhasesTest {
    private static final Instant T0 = Instant.parse("2026-12-03T12:00:00Z");

    private static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void aTrainingRoundHasEveryPhaseTheCodecsTimeAsRecorded() {
        Round r = new Round(UUID.randomUUID(), 2, RoundStatus.OPEN, 3, T0, at(60));
        r.markAggregating(at(10));
        r.aggregated(3, 100, 200, 1.0, "[]", at(11));
        r.phaseTimes(300, 40L);
        r.evaluated(1.0, 2.7, 0.5, null, null, at(15));
        assertThat(r.phases()).isEqualTo(phases(10_000L, 300L, 40L, 4_000L, 15_000L));
    }

    @Test
    void tgapsRoundZeroTakesItsCodecTrainingFromTheTimestamps() {
        Round r = new Round(UUID.randomUUID(), 0, RoundStatus.COLLECTING, 3, T0, at(60));
        r.markTrainingCodec(at(5));
        r.codecTrained(at(25));
        r.evaluated(1.0, 2.7, 0.5, null, null, at(27));
        assertThat(r.phases()).isEqualTo(phases(5_000L, null, 20_000L, 2_000L, 27_000L));
    }

    @Test
    void roundZeroWithoutTgapOnlyEvaluatesFromItsOpening() {
        Round r = new Round(UUID.randomUUID(), 0, RoundStatus.EVALUATING, 3, T0, at(60));
        r.evaluated(1.0, 2.7, 0.5, null, null, at(3));
        assertThat(r.phases()).isEqualTo(phases(null, null, null, 3_000L, 3_000L));
    }

    @Test
    void anOpenRoundHasEveryKeyInOrderAndNoTimesYet() {
        Round r = new Round(UUID.randomUUID(), 1, RoundStatus.OPEN, 3, T0, at(60));
        Map<String, Long> phases = r.phases();
        assertThat(phases.keySet()).containsExactly("collectingMs", "aggregationMs", "codecTrainingMs", "evaluationMs",
                "totalMs");
        assertThat(phases.values()).containsOnlyNulls();
    }

    private static Map<String, Long> phases(Long collecting, Long aggregation, Long codec, Long evaluation, Long total) {
        List<String> keys = List.of("collectingMs", "aggregationMs", "codecTrainingMs", "evaluationMs", "totalMs");
        List<Long> values = Arrays.asList(collecting, aggregation, codec, evaluation, total);
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            m.put(keys.get(i), values.get(i));
        }
        return m;
    }
}
