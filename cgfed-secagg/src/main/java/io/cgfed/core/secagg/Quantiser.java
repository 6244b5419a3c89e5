package io.cgfed.core.secagg;

import java.util.SplittableRandom;

/**
 * Floats to the integers secure aggregation sums, and back: each value clipped to [-clipRange, clipRange] and
 * mapped to a signed level in [-M, M], M = 2^(bits - 1) - 1, with stochastic rounding (unbiased: the expected level
 * is the exact value over the step), so the sum of n clients' levels, read as a signed 32-bit integer, decodes to
 * the sum of their clipped values with an error of at most one step a client, zero on average. Signed levels
 * leave room for what distributed differential privacy adds (integer noise of either sign). The sum must stay
 * within 32 bits: n M (plus the noise) below 2^31, checked for the levels ({@link #maxClients}).
 */
public final class Quantiser {
    private final double clipRange;
    private final int bits;
    private final long top;
    private final double step;

    public Quantiser(double clipRange, int bits) {
        if (!(clipRange > 0) || Double.isInfinite(clipRange)) {
            throw new SecAggException("clipRange must be positive and finite, got " + clipRange);
        }
        if (bits < 2 || bits > 24) {
            throw new SecAggException("bits must be in [2, 24], got " + bits);
        }
        this.clipRange = clipRange;
        this.bits = bits;
        this.top = (1L << (bits - 1)) - 1;
        this.step = clipRange / top;
    }

    /** The most clients whose levels sum within a signed 32-bit integer. */
    public long maxClients() {
        return Integer.MAX_VALUE / top;
    }

    /** The width of one level. */
    public double step() {
        return step;
    }

    public int[] encode(float[] values, SplittableRandom random) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (!Double.isFinite(v)) {
                throw new SecAggException("value " + i + " is not finite");
            }
            double u = Math.max(-clipRange, Math.min(clipRange, v)) / step;
            double lo = Math.floor(u);
            long level = (long) lo + (random.nextDouble() < u - lo ? 1 : 0);
            out[i] = (int) Math.max(-top, Math.min(top, level));
        }
        return out;
    }

    /** The sum of {@code clients} clients' clipped values from the sum of their levels (modulo 2^32, read signed). */
    public float[] decodeSum(int[] sum, int clients) {
        if (clients < 1 || clients > maxClients()) {
            throw new SecAggException(clients + " clients' levels of " + bits + " bits overflow a signed 32-bit sum (at most "
                    + maxClients() + ")");
        }
        float[] out = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            out[i] = (float) (sum[i] * step);
        }
        return out;
    }
}
