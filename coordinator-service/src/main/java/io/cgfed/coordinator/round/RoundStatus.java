package io.cgfed.coordinator.round;

/**
 * OPEN collects uploads; AGGREGATING while the codec-service decodes and averages them;
 * EVALUATING while a worker evaluates the new adapter; CLOSED with its metrics. Round 0 has no
 * training: it evaluates the initial adapter as the baseline. With a learned codec, round 0 first
 * runs TGAP: COLLECTING while clients upload update snapshots trained on their D1 share, then
 * TRAINING_CODEC while the codec-service trains codec version 1 on them.
 *
 * <p>A round is created COLLECTING (TGAP), EVALUATING (round 0 otherwise) or OPEN, and moves only forward
 * ({@link #mayMoveTo}); every phase may fail, CLOSED and FAILED are final. {@link Round} refuses any other
 * move ({@link #moveTo}), so a step that raced another one fails loudly instead of walking a round backwards.
 */
public enum RoundStatus {
    COLLECTING, TRAINING_CODEC, OPEN, AGGREGATING, EVALUATING, CLOSED, FAILED;

    /** Whether round {@code round} may be created in {@code status}: round 0 COLLECTING or EVALUATING, the others OPEN. */
    public static boolean startsAs(RoundStatus status, int round) {
        return round == 0 ? status == COLLECTING || status == EVALUATING : status == OPEN;
    }

    /** Whether a round in this status may move to {@code next}. */
    public boolean mayMoveTo(RoundStatus next) {
        return switch (this) {
            case COLLECTING -> next == TRAINING_CODEC || next == FAILED;
            case TRAINING_CODEC, AGGREGATING -> next == EVALUATING || next == FAILED;
            case OPEN -> next == AGGREGATING || next == FAILED;
            case EVALUATING -> next == CLOSED || next == FAILED;
            case CLOSED, FAILED -> false;
        };
    }

    /**
     * {@code next}, where a round in this status may move to it; otherwise refused, the message naming the
     * round ({@code round}, e.g. "round 2 of experiment ...") and the move.
     */
    RoundStatus moveTo(RoundStatus next, String round) {
        if (!mayMoveTo(next)) {
            throw new IllegalStateException(round + ": " + this + " -> " + next + " is not a move a round makes");
        }
        return next;
    }

    /** Whether the round still takes what clients send (and may be re-opened below its quorum). */
    public boolean collects() {
        return this == COLLECTING || this == OPEN;
    }

    public boolean isFinal() {
        return this == CLOSED || this == FAILED;
    }
}
