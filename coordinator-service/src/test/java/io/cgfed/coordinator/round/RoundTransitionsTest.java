package io.cgfed.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Every move between two round statuses, legal or not, and the {@link Round} methods that make them. */
class RoundTransitionsTest {
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    private static final Map<RoundStatus, Set<RoundStatus>> LEGAL = Map.of(
            RoundStatus.COLLECTING, EnumSet.of(RoundStatus.TRAINING_CODEC, RoundStatus.FAILED),
            RoundStatus.TRAINING_CODEC, EnumSet.of(RoundStatus.EVALUATING, RoundStatus.FAILED),
            RoundStatus.OPEN, EnumSet.of(RoundStatus.AGGREGATING, RoundStatus.FAILED),
            RoundStatus.AGGREGATING, EnumSet.of(RoundStatus.EVALUATING, RoundStatus.FAILED),
            RoundStatus.EVALUATING, EnumSet.of(RoundStatus.CLOSED, RoundStatus.FAILED),
            RoundStatus.CLOSED, EnumSet.noneOf(RoundStatus.class),
            RoundStatus.FAILED, EnumSet.noneOf(RoundStatus.class));

    /** The method of {@link Round} that moves a round to each status. */
    private static final Map<RoundStatus, Consumer<Round>> MOVE = Map.of(
            RoundStatus.TRAINING_CODEC, r -> r.markTrainingCodec(NOW),
            RoundStatus.AGGREGATING, r -> r.markAggregating(NOW),
            RoundStatus.EVALUATING, r -> {
                if (r.getStatus() == RoundStatus.TRAINING_CODEC) {
                    r.codecTrained(NOW);
                } else {
                    r.aggregated(2, 10, 20, 1.0, "[]", NOW);
                }
            },
            RoundStatus.CLOSED, r -> r.evaluated(1.0, 2.7, 0.5, null, null, NOW),
            RoundStatus.FAILED, r -> r.fail(NOW));

    @Test
    void theTableAllowsExactlyTheForwardMovesAndFailure() {
        for (RoundStatus from : RoundStatus.values()) {
            for (RoundStatus to : RoundStatus.values()) {
                assertThat(from.mayMoveTo(to)).as(from + " -> " + to).isEqualTo(LEGAL.get(from).contains(to));
            }
        }
    }

    @Test
    void aRoundRefusesEveryIllegalMoveAndKeepsItsStatus() {
        for (RoundStatus from : RoundStatus.values()) {
            for (RoundStatus to : MOVE.keySet()) {
                Round r = roundIn(from);
                if (from.mayMoveTo(to)) {
                    MOVE.get(to).accept(r);
                    assertThat(r.getStatus()).as(from + " -> " + to).isEqualTo(to);
                } else {
                    assertThatThrownBy(() -> MOVE.get(to).accept(r)).as(from + " -> " + to)
                            .isInstanceOf(IllegalStateException.class).hasMessageContaining(from + " -> " + to);
                    assertThat(r.getStatus()).isEqualTo(from);
                }
            }
        }
    }

    @Test
    void onlyACollectingRoundReopensAndRoundsStartWhereTheyMay() {
        for (RoundStatus s : RoundStatus.values()) {
            Round r = roundIn(s);
            if (s.collects()) {
                r.reopen(NOW.plusSeconds(60));
                assertThat(r.getAttempt()).isEqualTo(1);
                assertThat(r.getDeadlineAt()).isEqualTo(NOW.plusSeconds(60));
            } else {
                assertThatThrownBy(() -> r.reopen(NOW.plusSeconds(60))).isInstanceOf(IllegalStateException.class);
            }
        }
        assertThatThrownBy(() -> new Round(UUID.randomUUID(), 1, RoundStatus.CLOSED, 2, NOW, NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Round(UUID.randomUUID(), 0, RoundStatus.OPEN, 2, NOW, NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A round brought to {@code status} through legal moves only. */
    private static Round roundIn(RoundStatus status) {
        UUID id = UUID.randomUUID();
        return switch (status) {
            case COLLECTING -> new Round(id, 0, RoundStatus.COLLECTING, 2, NOW, NOW.plusSeconds(60));
            case TRAINING_CODEC -> moved(new Round(id, 0, RoundStatus.COLLECTING, 2, NOW, NOW), RoundStatus.TRAINING_CODEC);
            case OPEN -> new Round(id, 1, RoundStatus.OPEN, 2, NOW, NOW.plusSeconds(60));
            case AGGREGATING -> moved(roundIn(RoundStatus.OPEN), RoundStatus.AGGREGATING);
            case EVALUATING -> moved(roundIn(RoundStatus.AGGREGATING), RoundStatus.EVALUATING);
            case CLOSED -> moved(roundIn(RoundStatus.EVALUATING), RoundStatus.CLOSED);
            case FAILED -> moved(roundIn(RoundStatus.OPEN), RoundStatus.FAILED);
        };
    }

    private static Round moved(Round r, RoundStatus to) {
        MOVE.get(to).accept(r);
        return r;
    }
}
