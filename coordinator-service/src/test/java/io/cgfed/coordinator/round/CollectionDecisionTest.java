package io.cgfed.coordinator.round;

import static io.cgfed.coordinator.round.CollectionDecision.Next.CLOSE;
import static io.cgfed.coordinator.round.CollectionDecision.Next.FAIL;
import static io.cgfed.coordinator.round.CollectionDecision.Next.RETRY;
import static io.cgfed.coordinator.round.CollectionDecision.Next.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The decision of a collecting round, without a database, services or a clock. */
class CollectionDecisionTest {
    /** 4 clients selected, quorum 3, no retries, waiting for the deadline; each test changes what it is about. */
    private static CollectionDecision round(long received, boolean allSettled, boolean pastDeadline) {
        return new CollectionDecision(received, 4, 3, false, allSettled, pastDeadline, 0, 0);
    }

    @Test
    void everyClientInClosesAtOnceWhateverTheClock() {
        assertThat(round(4, false, false).next()).isEqualTo(CLOSE);
        assertThat(round(4, true, true).next()).isEqualTo(CLOSE);
    }

    @Test
    void aQuorumWaitsForTheStragglersUntilTheDeadlineOrUntilTheyHaveSettled() {
        assertThat(round(3, false, false).next()).as("a straggler is still training").isEqualTo(WAIT);
        assertThat(round(3, false, true).next()).as("deadline").isEqualTo(CLOSE);
        assertThat(round(3, true, false).next()).as("the straggler failed: nothing to wait for").isEqualTo(CLOSE);
    }

    @Test
    void overSelectionClosesAtTheQuorum() {
        CollectionDecision quorumIn = new CollectionDecision(3, 4, 3, true, false, false, 0, 0);
        assertThat(quorumIn.next()).isEqualTo(CLOSE);
        assertThat(new CollectionDecision(2, 4, 3, true, false, false, 0, 0).next()).isEqualTo(WAIT);
    }

    @Test
    void belowQuorumWaitsWhileTasksAreOpenThenRetriesWhileItMayThenFails() {
        assertThat(round(2, false, false).next()).isEqualTo(WAIT);
        assertThat(new CollectionDecision(2, 4, 3, false, false, true, 0, 2).next()).as("deadline, retry 1 of 2")
                .isEqualTo(RETRY);
        assertThat(new CollectionDecision(2, 4, 3, false, true, false, 1, 2).next()).as("settled, retry 2 of 2")
                .isEqualTo(RETRY);
        assertThat(new CollectionDecision(2, 4, 3, false, false, true, 2, 2).next()).as("no retry left").isEqualTo(FAIL);
        assertThat(round(0, true, true).next()).isEqualTo(FAIL);
    }

    @Test
    void negativeCountsAreRefused() {
        assertThatThrownBy(() -> new CollectionDecision(-1, 4, 3, false, false, false, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
