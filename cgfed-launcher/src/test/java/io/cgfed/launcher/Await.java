package io.cgfed.launcher;

import java.time.Duration;

/** Waiting in the process tests: a condition polled until it holds, or an error naming what never came. */
final class Await {
    private Await() {
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void await(String what, Duration timeout, Condition condition) throws Exception {
        await(what, timeout, condition, 200);
    }

    static void await(String what, Duration timeout, Condition condition, long pollMs) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(pollMs);
        }
    }
}
