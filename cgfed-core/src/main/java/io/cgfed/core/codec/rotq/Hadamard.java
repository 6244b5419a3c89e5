package io.cgfed.core.codec.rotq;

/**
 * The randomized Hadamard transform of one block, in place and without allocation: {@code y = H D x}
 * with D a diagonal of random signs drawn from a seed and H the (unnormalised, Sylvester) Walsh-Hadamard
 * matrix, in O(n log n). Since {@code H H = n I}, the inverse is {@code x = D H y / n}; callers fold the
 * {@code 1/n} into their scale so no pass is spent on it.
 */
final class Hadamard {
    private Hadamard() {
    }

    /** {@code x[off, off + n) := H D x[off, off + n)}; n a power of two. */
    static void forward(float[] x, int off, int n, long seed) {
        flipSigns(x, off, n, seed);
        butterfly(x, off, n);
    }

    /** {@code x[off, off + n) := D H x[off, off + n)} (the inverse of {@link #forward}, times n). */
    static void inverse(float[] x, int off, int n, long seed) {
        butterfly(x, off, n);
        flipSigns(x, off, n, seed);
    }

    /**
     * The Walsh-Hadamard butterflies, unnormalised, two levels a pass (radix 4: half the passes over the
     * block of radix 2, each element loaded and stored once per two levels), and one radix-2 pass when
     * log2 n is odd.
     */
    static void butterfly(float[] x, int off, int n) {
        int h = 1;
        for (; 4 * h <= n; h *= 4) {
            int step = 4 * h;
            for (int i = off; i < off + n; i += step) {
                for (int j = i, end = i + h; j < end; j++) {
                    float a = x[j];
                    float b = x[j + h];
                    float c = x[j + 2 * h];
                    float d = x[j + 3 * h];
                    float ab = a + b;
                    float amb = a - b;
                    float cd = c + d;
                    float cmd = c - d;
                    x[j] = ab + cd;
                    x[j + h] = amb + cmd;
                    x[j + 2 * h] = ab - cd;
                    x[j + 3 * h] = amb - cmd;
                }
            }
        }
        if (h < n) {
            for (int i = off; i < off + n; i += 2 * h) {
                for (int j = i, end = i + h; j < end; j++) {
                    float a = x[j];
                    float b = x[j + h];
                    x[j] = a + b;
                    x[j + h] = a - b;
                }
            }
        }
    }

    /** Multiplies by D: the sign of value i flips where bit i of the seeded stream is set. */
    static void flipSigns(float[] x, int off, int n, long seed) {
        long state = seed;
        for (int i = 0; i < n; i += 64) {
            state += SharedSeeds.GOLDEN;
            long bits = SharedSeeds.mix(state);
            for (int j = i, end = Math.min(n, i + 64); j < end; j++, bits >>>= 1) {
                // flip the IEEE sign bit: no multiply, no branch
                x[off + j] = Float.intBitsToFloat(Float.floatToRawIntBits(x[off + j]) ^ (((int) bits & 1) << 31));
            }
        }
    }

    static boolean isPowerOfTwo(int n) {
        return n > 0 && (n & (n - 1)) == 0;
    }
}
