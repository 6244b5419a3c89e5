package io.cgfed.core.codec.rotq;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.codec.TensorSpec;
import io.cgfed.core.tensor.Half;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.Map;

/**
 * Rotation quantisers ({@code rotq}): the update's values in manifest order are cut into blocks of B
 * (a power of two; the last block zero-padded), each block is rotated by a randomized Hadamard transform
 * whose signs come from the payload's shared seed ({@link SharedSeeds}, never sent), and the rotated
 * coordinates, now close to Gaussian, go through a scalar quantiser with one bf16 scale per block. Body
 * (docs/wire-format.md):
 * <pre>
 * u8 quantiser (0 lloyd, 2 entropy) | u8 log2 B | u8 bits b | u8 flags (bit 0: unbiased scale)
 *   lloyd:   | u32 m | nBlocks x bf16 scale | per block, in the seeded order of its coordinates, m b-bit
 *            and B - m (b-1)-bit level indices (none when b = 1), LSB first, the last byte zero-padded
 *   entropy: | nBlocks x bf16 scale | range-coded symbols of every coordinate, to the end of the body
 * </pre>
 * The decoder derives the rotation signs and the kept subset from the seed, reads the levels, multiplies
 * by the block's scale and rotates back. The encoder fills the budget and never passes it (unless a
 * body cannot hold even its header): lloyd gives b = ceil(bits) bits to as many coordinates as fit and
 * b - 1 to the rest (below one bit: the rest are dropped, EDEN's subsampling), entropy searches its step.
 */
public final class RotqCodec implements Codec {
    public static final String NAME = "rotq";
    static final int QUANTISER_LLOYD = 0;
    static final int QUANTISER_ENTROPY = 2;
    static final int FLAG_UNBIASED = 1;
    /** Largest magnitude of an entropy-coded symbol; larger ones saturate. */
    static final int MAX_LEVEL = 16;
    /** Reconstruction of symbol k != 0 is sign(k) (|k| - OFFSET) x scale: the centroid's pull towards 0. */
    static final float OFFSET = 0.15f;
    /** Rounding point of the deadzone quantiser: k = floor(|u| / step + ROUNDING). */
    static final float ROUNDING = 0.35f;
    private static final int SIGNS = 0;
    private static final int SUBSET = 1;
    private static final int MAGNITUDE_CONTEXTS = 8;

    private final RotqSettings settings;
    private final long seed;
    private final int headerBytes;

    public RotqCodec(Map<String, Object> settings) {
        this(RotqSettings.of(settings), 0, 0);
    }

    RotqCodec(RotqSettings settings, long seed, int headerBytes) {
        this.settings = settings;
        this.seed = seed;
        this.headerBytes = headerBytes;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Codec seeded(long sharedSeed) {
        return new RotqCodec(settings, sharedSeed, headerBytes);
    }

    @Override
    public Codec withHeaderBytes(int bytes) {
        return bytes == headerBytes ? this : new RotqCodec(settings, seed, bytes);
    }

    public RotqSettings settings() {
        return settings;
    }

    /** The block size used for {@code n} values: the setting, or the next power of two above n if smaller. */
    static int blockSizeFor(long n, int setting) {
        long p = Long.highestOneBit(Math.max(1, n - 1)) << 1;
        return (int) Math.min(setting, n <= 1 ? 1 : p);
    }

    @Override
    public byte[] encode(NamedTensors update) {
        long total = update.numel();
        if (total > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("rotq encodes at most " + Integer.MAX_VALUE / 2 + " values, got " + total);
        }
        int n = (int) total;
        int block = blockSizeFor(n, settings.blockSize());
        int blocks = (n + block - 1) / block;
        // the values in manifest order, straight into the zero-padded rotation buffer
        float[] y = new float[blocks * block];
        int at = 0;
        for (String name : update.names()) {
            float[] d = update.get(name).data();
            System.arraycopy(d, 0, y, at, d.length);
            at += d.length;
        }
        for (int b = 0; b < blocks; b++) {
            Hadamard.forward(y, b * block, block, SharedSeeds.block(seed, b, SIGNS));
        }
        // the budget is the whole payload's when the worker says what its header takes; where the header would
        // take more than half of it (1/256 of a small model: 112 bytes, a header of about 90), the body keeps
        // half and the request passes the budget, rather than the body carrying nothing
        long nominal = settings.budgetBytes(n);
        long budget = Math.max(nominal - headerBytes, nominal / 2);
        return settings.quantiser() == RotqSettings.Quantiser.LLOYD
                ? LloydBody.encode(y, block, blocks, budget, settings, seed)
                : EntropyBody.encode(y, block, blocks, budget, settings);
    }

    @Override
    public NamedTensors decode(byte[] body, List<TensorSpec> manifest) {
        long total = TensorSpec.totalNumel(manifest);
        if (body.length < 4) {
            throw new PayloadFormatException("codec rotq: body of " + body.length + " bytes has no header");
        }
        int quantiser = body[0] & 0xff;
        int log2 = body[1] & 0xff;
        int bits = body[2] & 0xff;
        int flags = body[3] & 0xff;
        int expectedBlock = blockSizeFor(total, 65536);
        if (log2 > 16 || (1 << log2) > expectedBlock) {
            throw new PayloadFormatException("codec rotq: block size 2^" + log2 + " is out of range for " + total + " values");
        }
        if ((flags & ~FLAG_UNBIASED) != 0) {
            throw new PayloadFormatException("codec rotq: flags " + flags + " are not supported");
        }
        int block = 1 << log2;
        int n = (int) total;
        int blocks = (n + block - 1) / block;
        float[] y = switch (quantiser) {
            case QUANTISER_LLOYD -> LloydBody.decode(body, bits, block, blocks, seed);
            case QUANTISER_ENTROPY -> {
                if (bits != 0) {
                    throw new PayloadFormatException("codec rotq: entropy body with bits " + bits + " (must be 0)");
                }
                yield EntropyBody.decode(body, block, blocks);
            }
            default -> throw new PayloadFormatException("codec rotq: unknown quantiser " + quantiser);
        };
        for (int b = 0; b < blocks; b++) {
            Hadamard.inverse(y, b * block, block, SharedSeeds.block(seed, b, SIGNS));
        }
        float[] out = y.length == n ? y : java.util.Arrays.copyOf(y, n);
        return io.cgfed.core.codec.Manifests.split(out, manifest);
    }

    /** Sum of squares of {@code y[off, off + n)}, in four independent sums (the JIT does not reorder a float sum). */
    static double energy(float[] y, int off, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = off;
        for (int end = off + (n & ~3); i < end; i += 4) {
            s0 += (double) y[i] * y[i];
            s1 += (double) y[i + 1] * y[i + 1];
            s2 += (double) y[i + 2] * y[i + 2];
            s3 += (double) y[i + 3] * y[i + 3];
        }
        for (; i < off + n; i++) {
            s0 += (double) y[i] * y[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Reads the blocks' bf16 scales at {@code offset}, refusing any that is negative, NaN or infinite. */
    static float[] readScales(byte[] body, int offset, int blocks) {
        float[] s = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            short bits = (short) ((body[offset + 2 * b] & 0xff) | (body[offset + 2 * b + 1] & 0xff) << 8);
            float v = Half.bf16ToFloat(bits);
            if (!(v >= 0) || Float.isInfinite(v)) {
                throw new PayloadFormatException("codec rotq: block " + b + " has scale " + v + " (must be finite, >= 0)");
            }
            s[b] = v;
        }
        return s;
    }

    static void writeScale(byte[] body, int offset, float scale) {
        short bits = Half.floatToBf16(scale);
        body[offset] = (byte) bits;
        body[offset + 1] = (byte) (bits >>> 8);
    }

    /** The scale of one block as sent: least squares for mse, EDEN's for unbiased; rounded to bf16. */
    static float scale(double yy, double yr, double rr, boolean unbiased) {
        if (yr <= 0) {
            return 0;
        }
        return Half.bf16ToFloat(Half.floatToBf16((float) (unbiased ? yy / yr : yr / rr)));
    }

    /** Lloyd-Max levels on a seeded subset of each block. */
    static final class LloydBody {
        static final int HEADER = 8;

        private LloydBody() {
        }

        static byte[] encode(float[] y, int block, int blocks, long budget, RotqSettings s, long seed) {
            long payloadBits = 8 * (budget - HEADER - 2L * blocks);
            // the bits a coordinate can have once the header and the scales are paid: b = ceil of that, in 1..4
            int high = (int) Math.max(1, Math.min(4, Math.ceil((double) payloadBits / ((long) blocks * block) - 1e-9)));
            int low = high - 1;
            // m coordinates of each block get `high` bits, the rest `low` (0: dropped): as many at `high` as fit
            long spare = payloadBits - (long) blocks * block * low;
            int kept = (int) Math.max(1, Math.min(block, spare / blocks));
            LloydMax qHigh = LloydMax.of(high);
            LloydMax qLow = low > 0 ? LloydMax.of(low) : null;
            byte[] body = new byte[(int) size(blocks, block, kept, high)];
            body[0] = QUANTISER_LLOYD;
            body[1] = (byte) Integer.numberOfTrailingZeros(block);
            body[2] = (byte) high;
            body[3] = (byte) (s.unbiased() ? FLAG_UNBIASED : 0);
            putInt(body, 4, kept);
            int[] order = new int[block];
            BitWriter bitsOut = new BitWriter(body, HEADER + 2 * blocks);
            for (int k = 0; k < blocks; k++) {
                int off = k * block;
                double yy = energy(y, off, block);
                float rms = (float) Math.sqrt(yy / block);
                float inv = rms > 0 ? 1 / rms : 0;
                Subsets.choose(order, kept, block, SharedSeeds.block(seed, k, SUBSET));
                double yr = 0;
                double rr = 0;
                int coded = qLow == null ? kept : block;
                for (int j = 0; j < coded; j++) {
                    LloydMax q = j < kept ? qHigh : qLow;
                    float v = y[off + order[j]];
                    int idx = q.index(v * inv);
                    float level = q.levels[idx];
                    yr += (double) v * level;
                    rr += (double) level * level;
                    bitsOut.write(idx, q.bits());
                }
                writeScale(body, HEADER + 2 * k, rms > 0 ? scale(yy, yr, rr, s.unbiased()) : 0);
            }
            return body;
        }

        /** Body bytes: m coordinates a block at b bits, the other B - m at b - 1. */
        static long size(int blocks, int block, long kept, int high) {
            long bits = blocks * (kept * high + (block - kept) * (long) (high - 1));
            return HEADER + 2L * blocks + (bits + 7) / 8;
        }

        static float[] decode(byte[] body, int high, int block, int blocks, long seed) {
            if (high < 1 || high > 4) {
                throw new PayloadFormatException("codec rotq: " + high + " bits per level (must be 1 to 4)");
            }
            if (body.length < HEADER) {
                throw new PayloadFormatException("codec rotq: body of " + body.length + " bytes has no kept count");
            }
            long kept = getInt(body, 4) & 0xffffffffL;
            if (kept < 1 || kept > block) {
                throw new PayloadFormatException("codec rotq: " + kept + " kept coordinates per block of " + block);
            }
            long size = size(blocks, block, kept, high);
            if (body.length != size) {
                throw new PayloadFormatException("codec rotq: body has " + body.length + " bytes, " + blocks + " blocks of "
                        + kept + " " + high + "-bit and " + (block - kept) + " " + (high - 1) + "-bit levels need " + size);
            }
            float[] scales = readScales(body, HEADER, blocks);
            LloydMax qHigh = LloydMax.of(high);
            LloydMax qLow = high > 1 ? LloydMax.of(high - 1) : null;
            int coded = qLow == null ? (int) kept : block;
            float[] y = new float[blocks * block];
            int[] order = new int[block];
            BitReader in = new BitReader(body, HEADER + 2 * blocks);
            for (int k = 0; k < blocks; k++) {
                int off = k * block;
                Subsets.choose(order, (int) kept, block, SharedSeeds.block(seed, k, SUBSET));
                float s = scales[k] / block;
                for (int j = 0; j < coded; j++) {
                    LloydMax q = j < kept ? qHigh : qLow;
                    y[off + order[j]] = s * q.levels[in.read(q.bits())];
                }
            }
            in.requireZeroPadding();
            return y;
        }
    }

    /** A deadzone uniform quantiser of every rotated coordinate, range-coded under adaptive contexts. */
    static final class EntropyBody {
        static final int HEADER = 4;

        private EntropyBody() {
        }

        static byte[] encode(float[] y, int block, int blocks, long budget, RotqSettings s) {
            float[] u = new float[y.length];
            double[] energy = new double[blocks];
            for (int k = 0; k < blocks; k++) {
                int off = k * block;
                double yy = energy(y, off, block);
                energy[k] = yy;
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
            byte[] body = write(y, u, block, blocks, energy, step, s);
            for (int attempt = 0; attempt < 64 && body.length > limit; attempt++) {
                step *= 1.02;
                body = write(y, u, block, blocks, energy, step, s);
            }
            for (int attempt = 0; attempt < 3 && body.length < 0.995 * limit; attempt++) {
                byte[] finer = write(y, u, block, blocks, energy, step / 1.01, s);
                if (finer.length > limit) {
                    break;
                }
                body = finer;
                step /= 1.01;
            }
            return body;
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

        private static byte[] write(float[] y, float[] u, int block, int blocks, double[] energy, double step, RotqSettings s) {
            byte[] head = new byte[HEADER + 2 * blocks];
            head[0] = QUANTISER_ENTROPY;
            head[1] = (byte) Integer.numberOfTrailingZeros(block);
            head[2] = 0;
            head[3] = (byte) (s.unbiased() ? FLAG_UNBIASED : 0);
            BinaryRangeCoder.Encoder rc = new BinaryRangeCoder.Encoder(y.length / 4);
            short[] ctx = BinaryRangeCoder.contexts(1 + MAGNITUDE_CONTEXTS);
            float inv = (float) (1 / step);
            for (int k = 0; k < blocks; k++) {
                int off = k * block;
                double yr = 0;
                double rr = 0;
                for (int i = off; i < off + block; i++) {
                    int m = level(u[i], inv);
                    rc.encode(ctx, 0, m == 0 ? 0 : 1);
                    if (m == 0) {
                        continue;
                    }
                    boolean negative = u[i] < 0;
                    rc.encodeDirect(negative ? 1 : 0);
                    for (int j = 1; j < MAX_LEVEL; j++) {
                        int more = m > j ? 1 : 0;
                        rc.encode(ctx, Math.min(j, MAGNITUDE_CONTEXTS), more);
                        if (more == 0) {
                            break;
                        }
                    }
                    float r = reconstruction(m);
                    yr += Math.abs(y[i]) * (double) r;
                    rr += (double) r * r;
                }
                writeScale(head, HEADER + 2 * k, scale(energy[k], yr, rr, s.unbiased()));
            }
            byte[] stream = rc.finish();
            byte[] body = java.util.Arrays.copyOf(head, head.length + stream.length);
            System.arraycopy(stream, 0, body, head.length, stream.length);
            return body;
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
                    if (rc.decode(ctx, 0) == 0) {
                        continue;
                    }
                    boolean negative = rc.decodeDirect() == 1;
                    int m = 1;
                    while (m < MAX_LEVEL && rc.decode(ctx, Math.min(m, MAGNITUDE_CONTEXTS)) == 1) {
                        m++;
                    }
                    float v = s * reconstruction(m);
                    y[i] = negative ? -v : v;
                }
            }
            if (rc.remaining() != 0) {
                throw new PayloadFormatException("codec rotq: " + rc.remaining() + " bytes after the coded stream");
            }
            return y;
        }
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    private static int getInt(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
