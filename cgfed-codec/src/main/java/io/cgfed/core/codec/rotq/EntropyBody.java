package io.cgfed.core.codec.rotq;

import static io.cgfed.core.codec.rotq.RotqCodec.FLAG_UNBIASED;
import static io.cgfed.core.codec.rotq.RotqCodec.MAGNITUDE_CONTEXTS;
import static io.cgfed.core.codec.rotq.RotqCodec.MAX_LEVEL;
import static io.cgfed.core.codec.rotq.RotqCodec.OFFSET;
import static io.cgfed.core.codec.rotq.RotqCodec.QUANTISER_ENTROPY;
import static io.cgfed.core.codec.rotq.RotqCodec.ROUNDING;
import static io.cgfed.core.codec.rotq.RotqCodec.readScales;
import static io.cgfed.core.codec.rotq.RotqCodec.scale;
import static io.cgfed.core.codec.rotq.RotqCodec.writeScale;

import io.cgfed.core.codec.PayloadFormatException;

/** The body of rotq's {@code entropy} quantiser: a deadzone uniform quantiser of every rotated coordinate, range-coded under adaptive contexts. */
final class EntropyBody {
    static final int HEADER = 4;

    private EntropyBody() {
    }

    /**
     * @param oneStep one quantiser step for every block (in units of the RMS over all blocks) rather than one
     *                per block's RMS: reverse water-filling across blocks, for blocks of different weights
     */
    static Coded encode(float[] y, double[] energy, int block, int blocks, long budget, RotqSettings s, boolean oneStep) {
        float[] u = new float[y.length];
        double all = 0;
        for (double e : energy) {
            all += e;
        }
        for (int k = 0; k < blocks; k++) {
            int off = k * block;
            double yy = oneStep ? all / blocks : energy[k];
            float inv = yy > 0 ? (float) (1 / Math.sqrt(yy / block)) : 0;
            for (int i = off; i < off + block; i++) {
                u[i] = y[i] * inv;
            }
        }
        long target = Math.max(4, budget - HEADER - 2L * blocks);
        long limit = HEADER + 2L * blocks + target;
        // the step from the static entropy of (a sample of) the symbols, then exact sizes: coarser until
        // the body fits, finer while it still does (the adaptive coder lands a few percent off the estimate)
        float[] sample = sample(u, 1 << 16);
        double step = searchStep(sample, (long) (8.0 * target * sample.length / u.length));
        return fit(st -> write(y, u, block, blocks, energy, st, s), step, limit);
    }

    /** A body and its squared error in the update's units (by Parseval, from the rotated coordinates). */
    record Coded(byte[] body, double error) {
    }

    /**
     * The finest coding that fits {@code limit} bytes from a first step: coarser until the body fits, finer
     * while it still does (the adaptive coder lands a few percent off the static-entropy estimate).
     */
    static Coded fit(java.util.function.DoubleFunction<Coded> write, double firstStep, long limit) {
        double step = firstStep;
        Coded coded = write.apply(step);
        for (int attempt = 0; attempt < 64 && coded.body().length > limit; attempt++) {
            step *= 1.02;
            coded = write.apply(step);
        }
        for (int attempt = 0; attempt < 6 && coded.body().length < 0.995 * limit; attempt++) {
            // larger strides while far below: the estimate is coarse where blocks differ much in energy
            double by = coded.body().length < 0.97 * limit ? 1.03 : 1.01;
            Coded finer = write.apply(step / by);
            if (finer.body().length > limit) {
                break;
            }
            coded = finer;
            step /= by;
        }
        return coded;
    }

    /**
     * A block's squared error in the update's units when its coordinates' energy is {@code yy}, the sums
     * over its nonzero symbols {@code yr} (|y| r) and {@code rr} (r^2), and {@code scale} the scale as sent:
     * {@code (yy - 2 s yr + s^2 rr) / B} (zero symbols contribute y^2, inside yy).
     */
    static double blockError(double yy, double yr, double rr, float scale, int block) {
        return Math.max(0, yy - 2 * scale * yr + (double) scale * scale * rr) / block;
    }

    /** At most {@code max} values of {@code u}, evenly strided (the rotated coordinates are alike). */
    static float[] sample(float[] u, int max) {
        if (u.length <= max) {
            return u;
        }
        float[] out = new float[max];
        double stride = (double) u.length / max;
        for (int i = 0; i < max; i++) {
            out[i] = u[(int) (i * stride)];
        }
        return out;
    }

    /** The smallest step whose estimated coded size (static entropy of the symbols) fits {@code targetBits}. */
    static double searchStep(float[] u, long targetBits) {
        double lo = 0.01;
        double hi = 64;
        for (int i = 0; i < 40; i++) {
            double mid = Math.sqrt(lo * hi);
            if (estimatedBits(u, mid) > targetBits) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    static double estimatedBits(float[] u, double step) {
        long[] count = new long[MAX_LEVEL + 1];
        float inv = (float) (1 / step);
        for (float v : u) {
            count[level(v, inv)]++;
        }
        long n = u.length;
        long nonzero = n - count[0];
        double bits = n * binaryEntropy(nonzero, n) + nonzero;
        // unary magnitude bits: context j codes "|k| > j" among the symbols with |k| >= j
        long atLeast = nonzero;
        long trials = 0;
        long ones = 0;
        for (int j = 1; j < MAX_LEVEL; j++) {
            long above = atLeast - count[j];
            if (j < MAGNITUDE_CONTEXTS) {
                bits += atLeast * binaryEntropy(above, atLeast);
            } else {
                trials += atLeast;
                ones += above;
            }
            atLeast = above;
        }
        return bits + trials * binaryEntropy(ones, trials);
    }

    private static double binaryEntropy(long ones, long n) {
        if (ones <= 0 || ones >= n) {
            return 0;
        }
        double p = (double) ones / n;
        return -(p * Math.log(p) + (1 - p) * Math.log(1 - p)) / Math.log(2);
    }

    static int level(float u, float inverseStep) {
        int k = (int) (Math.abs(u) * inverseStep + ROUNDING);
        return Math.min(k, MAX_LEVEL);
    }

    static float reconstruction(int magnitude) {
        return magnitude == 0 ? 0 : magnitude - OFFSET;
    }

    private static Coded write(float[] y, float[] u, int block, int blocks, double[] energy, double step, RotqSettings s) {
        byte[] head = new byte[HEADER + 2 * blocks];
        head[0] = QUANTISER_ENTROPY;
        head[1] = (byte) Integer.numberOfTrailingZeros(block);
        head[2] = 0;
        head[3] = (byte) (s.unbiased() ? FLAG_UNBIASED : 0);
        BinaryRangeCoder.Encoder rc = new BinaryRangeCoder.Encoder(y.length / 4);
        short[] ctx = BinaryRangeCoder.contexts(1 + MAGNITUDE_CONTEXTS);
        float inv = (float) (1 / step);
        double error = 0;
        for (int k = 0; k < blocks; k++) {
            int off = k * block;
            double yr = 0;
            double rr = 0;
            for (int i = off; i < off + block; i++) {
                int m = level(u[i], inv);
                writeSymbol(rc, ctx, m, u[i] < 0);
                if (m == 0) {
                    continue;
                }
                float r = reconstruction(m);
                yr += Math.abs(y[i]) * (double) r;
                rr += (double) r * r;
            }
            float scale = scale(energy[k], yr, rr, s.unbiased());
            writeScale(head, HEADER + 2 * k, scale);
            error += blockError(energy[k], yr, rr, scale, block);
        }
        byte[] stream = rc.finish();
        byte[] body = java.util.Arrays.copyOf(head, head.length + stream.length);
        System.arraycopy(stream, 0, body, head.length, stream.length);
        return new Coded(body, error);
    }

    /** One deadzone symbol: zero or not, then the sign, then the magnitude in unary under its contexts. */
    static void writeSymbol(BinaryRangeCoder.Encoder rc, short[] ctx, int m, boolean negative) {
        rc.encode(ctx, 0, m == 0 ? 0 : 1);
        if (m == 0) {
            return;
        }
        rc.encodeDirect(negative ? 1 : 0);
        for (int j = 1; j < MAX_LEVEL; j++) {
            int more = m > j ? 1 : 0;
            rc.encode(ctx, Math.min(j, MAGNITUDE_CONTEXTS), more);
            if (more == 0) {
                break;
            }
        }
    }

    /** The signed reconstruction level of the next symbol ({@link #writeSymbol}'s inverse). */
    static float readSymbol(BinaryRangeCoder.Decoder rc, short[] ctx) {
        if (rc.decode(ctx, 0) == 0) {
            return 0;
        }
        boolean negative = rc.decodeDirect() == 1;
        int m = 1;
        while (m < MAX_LEVEL && rc.decode(ctx, Math.min(m, MAGNITUDE_CONTEXTS)) == 1) {
            m++;
        }
        float v = reconstruction(m);
        return negative ? -v : v;
    }

    static float[] decode(byte[] body, int block, int blocks) {
        int start = HEADER + 2 * blocks;
        if (body.length < start + 4L) {
            throw new PayloadFormatException("codec rotq: body of " + body.length + " bytes is too short for " + blocks
                    + " block scales and a coded stream");
        }
        float[] scales = readScales(body, HEADER, blocks);
        BinaryRangeCoder.Decoder rc = new BinaryRangeCoder.Decoder(body, start, body.length - start);
        short[] ctx = BinaryRangeCoder.contexts(1 + MAGNITUDE_CONTEXTS);
        float[] y = new float[blocks * block];
        for (int k = 0; k < blocks; k++) {
            int off = k * block;
            float s = scales[k] / block;
            for (int i = off; i < off + block; i++) {
                y[i] = s * readSymbol(rc, ctx);
            }
        }
        if (rc.remaining() != 0) {
            throw new PayloadFormatException("codec rotq: " + rc.remaining() + " bytes after the coded stream");
        }
        return y;
    }
}
