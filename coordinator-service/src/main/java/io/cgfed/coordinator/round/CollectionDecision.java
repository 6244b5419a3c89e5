package io.cgfed.coordinator.round;

/**
 * Whether a round that collects (round 0's TGAP snapshots, or a round's training updates) is done: a pure
 * function of what the round knows, with no database, network or clock of its own, so that quorum, deadline,
 * over-selection and retries are decided in one place and tested in milliseconds ({@code RoundDriver} loads the
 * counts, asks, and applies the answer in one transaction).
 *
 * @param received      clients whose contribution is in
 * @param selected      clients the round asked
 * @param quorum        contributions the round needs
 * @param closeAtQuorum close as soon as the quorum is in (over-selection: the rest are too late), not at the
 *                      deadline or when every task has settled
 * @param allSettled    no task of the round is still open (every client delivered, failed or was cancelled)
 * @param pastDeadline  the round's deadline has passed
 * @param attempt       re-openings so far
 * @param retries       re-openings the spec allows ({@code roundRetries})
 */
public record CollectionDecision(long received, int selected, int quorum, boolean closeAtQuorum, boolean allSettled,
                                 boolean pastDeadline, int attempt, int retries) {

    /** What the round does next. */
    public enum Next {
        /** Keep collecting. */
        WAIT,
        /** Stop collecting and go on with what is in (open tasks are cancelled: too late). */
        CLOSE,
        /** Below quorum with nothing more to wait for: open again for the clients that did not deliver. */
        RETRY,
        /** Below quorum with nothing more to wait for and no retry left. */
        FAIL
    }

    public CollectionDecision {
        if (received < 0 || selected < 0 || quorum < 0 || attempt < 0 || retries < 0) {
            throw new IllegalArgumentException("counts must be non-negative: " + this);
        }
    }

    public Next next() {
        boolean quorumIn = received >= quorum;
        boolean nothingToWaitFor = allSettled || pastDeadline;
        if (received >= selected || closeAtQuorum && quorumIn || nothingToWaitFor && quorumIn) {
            return Next.CLOSE;
        }
        if (!nothingToWaitFor) {
            return Next.WAIT;
        }
        return attempt < retries ? Next.RETRY : Next.FAIL;
    }
}
