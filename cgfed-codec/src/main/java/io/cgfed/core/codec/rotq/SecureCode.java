package io.cgfed.core.codec.rotq;

/**
 * What compressed secure aggregation sends in a round: the shared rotation's code of each update
 * ({@link SummableRotation}), its quantised levels masked and packed to {@code width} bits a value, the fewest
 * that hold the sum of the round's levels (and distributed DP's noise) as a signed integer. Every party derives
 * the same from the spec's settings, the round's context and the number of clients.
 *
 * @param rotation the round's code, or null without compression (the update's values themselves, 32-bit words)
 * @param width    bits a masked value takes on the wire
 */
public record SecureCode(SummableRotation rotation, int width) {
    /** The rotation block of the code. */
    public static final int BLOCK = 1024;

    /**
     * @param length       values of an update
     * @param compression  the budget as a fraction of the update's fp32 bytes (0: no compression)
     * @param maxAbsSum    the largest magnitude the round's sum of levels can reach (levels and noise)
     * @param context      the round's context (the rotation's shared seed)
     */
    public static SecureCode of(int length, int compression, long maxAbsSum, byte[] context) {
        if (compression <= 0) {
            return new SecureCode(null, 32);
        }
        int width = Math.min(32, 65 - Long.numberOfLeadingZeros(Math.max(1, maxAbsSum)));
        int block = Math.min(BLOCK, Integer.highestOneBit(Math.max(1, length - 1)) << 1);
        long codeValues = 32L * length / ((long) compression * width);
        int kept = SummableRotation.keptFor(length, block, codeValues);
        return new SecureCode(new SummableRotation(length, block, kept, SharedSeeds.mix(java.util.Arrays.hashCode(context)
                * SharedSeeds.GOLDEN)), width);
    }

    /**
     * The code of a round of {@code spec} with {@code clients} clients and updates of {@code length} values: the
     * spec's compression, and a width that holds the levels and, with {@code codec.privacy}, the noise.
     */
    public static SecureCode forRound(io.cgfed.core.protocol.ExperimentSpec spec, int length, int clients, byte[] context) {
        io.cgfed.core.protocol.ExperimentSpec.SecureAggregation sa = spec.secureAggregation();
        io.cgfed.core.protocol.ExperimentSpec.Privacy privacy = spec.codec().privacy();
        double sigma = sigma(spec);
        long maxAbs = io.cgfed.core.secagg.DistributedNoise.maxAbsSum(sa.bits(), sa.clipRange(), sigma,
                privacy == null ? 1 : privacy.clipNorm(), clients);
        return of(length, sa.compression(), maxAbs, context);
    }

    /**
     * Distributed DP's central noise multiplier for a spec (its {@code codec.privacy} budget over its rounds), 0
     * without privacy: what the clients' shares add up to and what the coordinator accounts.
     */
    public static double sigma(io.cgfed.core.protocol.ExperimentSpec spec) {
        io.cgfed.core.protocol.ExperimentSpec.Privacy privacy = spec.codec().privacy();
        return privacy == null ? 0 : io.cgfed.core.privacy.GaussianMechanism.forBudget(privacy.epsilon(), privacy.delta(),
                privacy.clipNorm(), spec.rounds()).sigma();
    }

    /** Values a masked input holds: the code's, or the update's. */
    public int codeLength(int length) {
        return rotation == null ? length : rotation.codeLength();
    }
}
