package io.cgfed.core.codec.rotq;

/**
 * Lloyd-Max (minimum mean-square error) scalar quantisers of the unit Gaussian for 1 to 4 bits
 * (Max, "Quantizing for minimum distortion", IRE Trans. Inf. Theory 1960): 2^b levels symmetric about 0,
 * thresholds half-way between neighbours. After a random rotation the coordinates of a block are close
 * to Gaussian whatever the update's own distribution, which is why these fixed tables serve every block
 * (DRIVE for b = 1, EDEN for b > 1).
 */
final class LloydMax {
    /** The positive half of the levels, ascending, for b = 1..4. */
    private static final double[][] POSITIVE = {
            {0.7979},
            {0.4528, 1.5104},
            {0.2451, 0.7560, 1.3440, 2.1520},
            {0.1284, 0.3881, 0.6568, 0.9424, 1.2562, 1.6181, 2.0691, 2.7326},
    };
    /** Mean-square error per value on the unit Gaussian, for b = 1..4. */
    private static final double[] DISTORTION = {0.3634, 0.1175, 0.03455, 0.009497};

    private final int bits;
    /** All 2^b levels, ascending. */
    final float[] levels;
    /** The 2^b - 1 decision thresholds, ascending. */
    final float[] thresholds;

    private LloydMax(int bits) {
        this.bits = bits;
        double[] pos = POSITIVE[bits - 1];
        int half = pos.length;
        levels = new float[2 * half];
        for (int i = 0; i < half; i++) {
            levels[half + i] = (float) pos[i];
            levels[half - 1 - i] = (float) -pos[i];
        }
        thresholds = new float[levels.length - 1];
        for (int i = 0; i < thresholds.length; i++) {
            thresholds[i] = (levels[i] + levels[i + 1]) / 2;
        }
    }

    private static final LloydMax[] TABLES = {new LloydMax(1), new LloydMax(2), new LloydMax(3), new LloydMax(4)};

    static LloydMax of(int bits) {
        if (bits < 1 || bits > 4) {
            throw new IllegalArgumentException("Lloyd-Max tables exist for 1 to 4 bits, not " + bits);
        }
        return TABLES[bits - 1];
    }

    int bits() {
        return bits;
    }

    /** The index (0 .. 2^b - 1) of the level nearest to {@code u} (a value in units of the block's RMS). */
    int index(float u) {
        // how many thresholds lie below u, by halving: b comparisons
        int j = 0;
        for (int step = levels.length >>> 1; step > 0; step >>>= 1) {
            if (u > thresholds[j + step - 1]) {
                j += step;
            }
        }
        return j;
    }

    /** The expected mean-square error per value on the unit Gaussian. */
    static double gaussianDistortion(int bits) {
        return DISTORTION[bits - 1];
    }
}
