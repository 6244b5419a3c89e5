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

    /**
     * {@code x[off, off + n) := H D x[off, off + n)}; n a power of two. Returns the energy (sum of squares)
     * of the result, {@code n ||x||^2} by Parseval, summed in the sign pass so no pass is spent on it.
     */
    static double forward(float[] x, int off, int n, long seed) {
        double energy = flipSigns(x, off, n, seed);
        butterfly(x, off, n);
        return n * energy;
    }

    /** {@code x[off, off + n) := D H x[off, off + n)} (the inverse of {@link #forward}, times n). */
    static void inverse(float[] x, int off, int n, long seed) {
        butterfly(x, off, n);
        flipSigns(x, off, n, seed);
    }

    /**
     * The Walsh-Hadamard butterflies, unnormalised, three levels a pass (radix 8: each element is loaded
     * and stored once per three levels, a third of the memory traffic of radix 2; measured 6 % faster than
     * radix 4 on one core, `./cgfed bench-codec-speed`), then one radix-4 or radix-2 pass for the levels left.
     */
    static void butterfly(float[] x, int off, int n) {
        int h = 1;
        for (; 8 * h <= n; h *= 8) {
            int step = 8 * h;
            for (int i = off; i < off + n; i += step) {
                for (int j = i, end = i + h; j < end; j++) {
                    float a0 = x[j];
                    float a1 = x[j + h];
                    float a2 = x[j + 2 * h];
                    float a3 = x[j + 3 * h];
                    float a4 = x[j + 4 * h];
                    float a5 = x[j + 5 * h];
                    float a6 = x[j + 6 * h];
                    float a7 = x[j + 7 * h];
                    float b0 = a0 + a1;
                    float b1 = a0 - a1;
                    float b2 = a2 + a3;
                    float b3 = a2 - a3;
                    float b4 = a4 + a5;
                    float b5 = a4 - a5;
                    float b6 = a6 + a7;
                    float b7 = a6 - a7;
                    float c0 = b0 + b2;
                    float c1 = b1 + b3;
                    float c2 = b0 - b2;
                    float c3 = b1 - b3;
                    float c4 = b4 + b6;
                    float c5 = b5 + b7;
                    float c6 = b4 - b6;
                    float c7 = b5 - b7;
                    x[j] = c0 + c4;
                    x[j + h] = c1 + c5;
                    x[j + 2 * h] = c2 + c6;
                    x[j + 3 * h] = c3 + c7;
                    x[j + 4 * h] = c0 - c4;
                    x[j + 5 * h] = c1 - c5;
                    x[j + 6 * h] = c2 - c6;
                    x[j + 7 * h] = c3 - c7;
                }
            }
        }
        if (4 * h <= n) {
            for (int i = off; i < off + n; i += 4 * h) {
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
        } else if (2 * h <= n) {
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

    /** Multiplies by D: the sign of value i flips where bit i of the seeded stream is set. Returns ||x||^2. */
    static double flipSigns(float[] x, int off, int n, long seed) {
        long state = seed;
        double energy = 0;
        for (int i = 0; i < n; i += 64) {
            state += SharedSeeds.GOLDEN;
            long bits = SharedSeeds.mix(state);
            // the squares in four float sums of 16 (independent chains the core overlaps), one double add a word
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            int j = off + i;
            if (n - i >= 64) {
                for (int end = j + 64; j < end; j += 4, bits >>>= 4) {
                    float v0 = x[j];
                    float v1 = x[j + 1];
                    float v2 = x[j + 2];
                    float v3 = x[j + 3];
                    s0 += v0 * v0;
                    s1 += v1 * v1;
                    s2 += v2 * v2;
                    s3 += v3 * v3;
                    x[j] = flip(v0, bits);
                    x[j + 1] = flip(v1, bits >>> 1);
                    x[j + 2] = flip(v2, bits >>> 2);
                    x[j + 3] = flip(v3, bits >>> 3);
                }
            } else {
                for (int end = off + n; j < end; j++, bits >>>= 1) {
                    float v = x[j];
                    s0 += v * v;
                    x[j] = flip(v, bits);
                }
            }
            energy += (double) (s0 + s1) + (s2 + s3);
        }
        return energy;
    }

    /** {@code v} with its IEEE sign bit flipped where bit 0 of {@code bits} is set: no multiply, no branch. */
    private static float flip(float v, long bits) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(v) ^ (((int) bits & 1) << 31));
    }

    static boolean isPowerOfTwo(int n) {
        return n > 0 && (n & (n - 1)) == 0;
    }
}
