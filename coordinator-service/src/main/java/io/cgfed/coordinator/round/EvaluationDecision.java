package io.cgfed.coordinator.round;

import java.time.Instant;

/**
 * Whether an EVALUATING round goes on waiting for its evaluation or fails: a pure function, like
 * {@link CollectionDecision} (the report itself closes the round when it arrives, in {@code TaskService}).
 *
 * @param failureReason   the reason of an EVALUATE task of the round that failed, or null when none did
 * @param since           when the evaluation was asked for (the aggregation, or the round's opening for round 0)
 * @param deadlineSeconds how long an evaluation may take: the round deadline's length again
 * @param now             the clock, read once by the caller
 */
public record EvaluationDecision(String failureReason, Instant since, int deadlineSeconds, Instant now) {
    /** Why the round fails now, or null: it waits. */
    public String failure(int round) {
        if (failureReason != null) {
            return "evaluation of round " + round + " failed: " + failureReason;
        }
        if (now.isAfter(since.plusSeconds(deadlineSeconds))) {
            return "evaluation of round " + round + " was not reported within " + deadlineSeconds + " s";
        }
        return null;
    }
}
