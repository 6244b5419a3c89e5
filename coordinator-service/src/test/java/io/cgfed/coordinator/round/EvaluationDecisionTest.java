package io.cgfed.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The decision of an evaluating round, without a database or a clock. */
class EvaluationDecisionTest {
    private static final Instant ASKED = Instant.parse("2026-12-03T12:00:00Z");

    @Test
    void waitsWithinTheDeadlineAndFailsPastItOrOnAFailedEvaluation() {
        assertThat(new EvaluationDecision(null, ASKED, 60, ASKED.plusSeconds(59)).failure(2)).isNull();
        assertThat(new EvaluationDecision(null, ASKED, 60, ASKED.plusSeconds(60)).failure(2)).as("at the deadline").isNull();
        assertThat(new EvaluationDecision(null, ASKED, 60, ASKED.plusSeconds(61)).failure(2))
                .isEqualTo("evaluation of round 2 was not reported within 60 s");
        assertThat(new EvaluationDecision("out of memory", ASKED, 60, ASKED.plusSeconds(1)).failure(2))
                .isEqualTo("evaluation of round 2 failed: out of memory");
    }
}
