package io.cgfed.core.protocol;

/**
 * The seeds the services derive from an experiment's {@code seed}, in one place so that every service (and the
 * in-process benches that mirror them) draws the same: a rerun of an experiment trains the same batches, and the
 * bench's federation ({@code Federation}) reproduces a worker's round. The payload's shared codec seed (rotations,
 * subsets) is {@code SharedSeeds.of} (in the codec package); the coordinator's client selection draws from
 * {@link #selection}.
 */
public final class Seeds {
    private Seeds() {
    }

    /** A TRAIN task's seed (batches, dropout, the stochastic codecs' draws): per experiment, round and client. */
    public static long task(long experimentSeed, int round, int client) {
        return experimentSeed * 1_000_003L + round * 1_009L + client;
    }

    /** The seed of TGAP collection step {@code step} (1, 2, ...) of a client: apart from every round's. */
    public static long collectionStep(long experimentSeed, int step, int client) {
        return experimentSeed * 1_000_003L - step * 7_919L + client;
    }

    /** The seed of round {@code round}'s client selection. */
    public static long selection(long experimentSeed, int round) {
        return experimentSeed * 31 + round;
    }
}
