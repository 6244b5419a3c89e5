package io.cgfed.core.secagg;

import java.util.SplittableRandom;

/**
 * Floats to the integers secure aggregation sums, and back: each value clipped to [-clipRange, clipRange] and
 * mapped to {0, ..., 2^bits - 1} with stochastic rounding (unbiased: the expected level is the exact one), so the
 * sum of n clients' levels modulo 2^32 decodes to the sum of their clipped values with an error of at most one
 * step a client, zero on average. The sum must not wrap: bits + ceil(log2 n) <= 32, checked.
 */
public final class Quantiser {
    private final double clipRange;
    private final int bits;
    private final double step;

    public Quantiser(double clipRange, int bits) {
        if (!(clipRange > 0) || Double.isInfinite(clipRange)) {
            throw new SecAggException("clipRange must be positive and finite, got " + clipRange);
        }
        if (bits < 1 || bits > 24) {
            throw new SecAggException("bits must be in [1, 24], got " + bits);
        }
        this.clipRange = clipRange;
        this.bits = bits;
        this.step = 2 * clipRange / ((1L << bits) - 1);
    }

    /** The most clients whose levels sum without wrapping modulo 2^32. */
    public long maxClients() {
        return ((1L << 32) - 1) / ((1L << bits) - 1);
    }

    /** The width of one level. */
    public double step() {
        return step;
    }

    public int[] encode(float[] values, SplittableRandom random) {
        int[] out = new int[values.length];
        long top = (1L << bits) - 1;
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (!Double.isFinite(v)) {
                throw new SecAggException("value " + i + " is not finite");
            }
            double u = (Math.max(-clipRange, Math.min(clipRange, v)) + clipRange) / step;
            long lo = (long) Math.floor(u);
            long level = lo + (random.nextDouble() < u - lo ? 1 : 0);
            out[i] = (int) Math.min(top, Math.max(0, level));
        }
        return out;
    }

    /** The sum of {@code clients} clients' clipped values from the sum of their levels (modulo 2^32). */
    public float[] decodeSum(int[] sum, int clients) {
        if (clients < 1 || clients > maxClients()) {
            throw new SecAggException(clients + " clients' levels of " + bits + " bits wrap modulo 2^32 (at most "
                    + maxClients() + ")");
        }
        float[] out = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            out[i] = (float) (Integer.toUnsignedLong(sum[i]) * step - clients * clipRange);
        }
        return out;
    }
}
