package io.cgfed.core.codec.rotq;

import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.secagg.DistributedNoise;
import io.cgfed.core.secagg.Messages;
import io.cgfed.core.secagg.Quantiser;
import io.cgfed.core.secagg.SecAggException;
import java.util.SplittableRandom;

/**
 * What a client sends in a securely aggregated round, and how the server reads the sum: every party derives the
 * same code from the spec's {@code secureAggregation}, the round's context and the number of clients. Three forms:
 * <ul>
 * <li><b>plain</b> (no compression): the update's values clipped to {@code clipRange} and quantised to
 * {@code bits}-bit signed levels ({@link Quantiser}), in 32-bit words;</li>
 * <li><b>fixed scale</b> (compression with {@code codec.privacy}): the round's shared rotation code
 * ({@link SummableRotation}) quantised the same way, packed to the bits the sum of levels and noise needs; one
 * scale for every client, which distributed DP's sensitivity needs;</li>
 * <li><b>block scales</b> (compression without privacy, the default there): each block of the rotation code
 * divided by its RMS (the client's own scale), its values clipped to {@link #clip} RMS and rounded
 * stochastically to {@code bits}-bit levels (1 bit: the two levels -1 and +1, sent as 0 and 1, so a sum of n
 * needs only ceil(log2(n + 1)) bits). The scales travel as a head of 32-bit fixed-point words, one a block, in the
 * same masked input: the server learns only their sum, and decodes block b of the sum of codes as the mean
 * scale times the sum of levels. That is exact when the clients' scales agree and otherwise weights each client's
 * direction in a block equally (the scale spread is what it costs); error feedback on the client uses its own
 * scale, so what it misses is its own.</li>
 * </ul>
 * The budget {@code 32 x length / compression} bits a client counts the head and the packed code.
 */
public final class SecureCode {
    /** The rotation block of the code. */
    public static final int BLOCK = 1024;

    private final SummableRotation rotation;
    private final int length;
    private final int width;
    private final int head;
    private final int bits;
    private final double clipRange;
    private final Quantiser quantiser;
    private final long scaleOne;

    private SecureCode(SummableRotation rotation, int length, int width, int head, int bits, double clipRange,
                       int scaleBits) {
        this.rotation = rotation;
        this.length = length;
        this.width = width;
        this.head = head;
        this.bits = bits;
        this.clipRange = clipRange;
        this.quantiser = bits >= 2 ? new Quantiser(clipRange, bits) : null;
        this.scaleOne = 1L << scaleBits;
    }

    /**
     * The code of a round of {@code spec} with {@code clients} clients and updates of {@code length} values.
     *
     * @param context the round's context (the rotation's shared seed)
     */
    public static SecureCode forRound(ExperimentSpec spec, int length, int clients, byte[] context) {
        ExperimentSpec.SecureAggregation sa = spec.secureAggregation();
        ExperimentSpec.Privacy privacy = spec.codec().privacy();
        if (sa.compression() <= 0) {
            return new SecureCode(null, length, 32, 0, sa.bits(), sa.clipRange(), 0);
        }
        long seed = SharedSeeds.mix(java.util.Arrays.hashCode(context) * SharedSeeds.GOLDEN);
        if (privacy != null) {
            long maxAbs = DistributedNoise.maxAbsSum(sa.bits(), sa.clipRange(), sigma(spec), privacy.clipNorm(), clients);
            return fixedScale(length, sa.compression(), sa.bits(), sa.clipRange(), maxAbs, seed);
        }
        return blockScaled(length, sa.compression(), sa.bits(), sa.clipRange(), clients, seed);
    }

    /** Compressed with one scale for every client: levels of {@code bits} bits over [-clipRange, clipRange]. */
    static SecureCode fixedScale(int length, int compression, int bits, double clipRange, long maxAbsSum, long seed) {
        int width = Math.min(32, 65 - Long.numberOfLeadingZeros(Math.max(1, maxAbsSum)));
        int block = blockFor(length);
        long codeValues = 32L * length / ((long) compression * width);
        return new SecureCode(new SummableRotation(length, block, SummableRotation.keptFor(length, block, codeValues), seed),
                length, width, 0, bits, clipRange, 0);
    }

    /**
     * Compressed with each client's own scale a block (see the class comment). {@code bits} is the least the
     * levels get: when the budget keeps every rotated coordinate with bits to spare, the levels widen to the most
     * bits at which every coordinate still fits (at 1/4 of fp32 with 3 clients, 5 bits in 7-bit words).
     */
    static SecureCode blockScaled(int length, int compression, int bits, double clipRange, int clients, long seed) {
        if (bits < 1 || bits > 24) {
            throw new SecAggException("bits must be in [1, 24], got " + bits);
        }
        int block = blockFor(length);
        int blocks = (length + block - 1) / block;
        long budget = 32L * length / compression - 32L * blocks; // the code's bits, after the head of scales
        int width = sumWidth(bits, clients);
        while (bits < 24 && sumWidth(bits + 1, clients) <= 32
                && (long) sumWidth(bits + 1, clients) * blocks * block <= budget) {
            bits++;
            width = sumWidth(bits, clients);
        }
        if (width > 32) {
            throw new SecAggException(clients + " clients' " + bits + "-bit levels overflow a 32-bit sum");
        }
        // a scale's fixed-point bits: the sum of n of them (each at most 2^p) within an unsigned 32-bit word
        int scaleBits = Math.min(24, 31 - (64 - Long.numberOfLeadingZeros(clients)));
        long codeValues = Math.max(blocks, budget / width);
        return new SecureCode(new SummableRotation(length, block, SummableRotation.keptFor(length, block, codeValues), seed),
                length, width, blocks, bits, clipRange, scaleBits);
    }

    /** Bits the sum of n clients' levels takes: 1 bit's digits in [0, n] unsigned, wider levels in [-n top, n top]. */
    private static int sumWidth(int bits, int clients) {
        long top = bits == 1 ? 1 : (1L << (bits - 1)) - 1;
        int width = bits == 1 ? 64 - Long.numberOfLeadingZeros(clients) : 65 - Long.numberOfLeadingZeros(clients * top);
        return Math.max(2, width);
    }

    /** The bits of the levels (the spec's, or more where the budget keeps every coordinate). */
    public int bits() {
        return bits;
    }

    private static int blockFor(int length) {
        return Math.min(BLOCK, Integer.highestOneBit(Math.max(1, length - 1)) << 1);
    }

    /**
     * Distributed DP's central noise multiplier for a spec (its {@code codec.privacy} budget over its rounds), 0
     * without privacy: what the clients' shares add up to and what the coordinator accounts.
     */
    public static double sigma(ExperimentSpec spec) {
        ExperimentSpec.Privacy privacy = spec.codec().privacy();
        return privacy == null ? 0 : io.cgfed.core.privacy.GaussianMechanism.forBudget(privacy.epsilon(), privacy.delta(),
                privacy.clipNorm(), spec.rounds()).sigma();
    }

    /** Block scales clip each code value at this many times its block's RMS: wider for finer levels. */
    static double clip(int bits) {
        return Math.min(3.0, 1 + 0.5 * (bits - 1));
    }

    /** The shared rotation, or null without compression. */
    public SummableRotation rotation() {
        return rotation;
    }

    /** Bits a masked code value takes on the wire (the head's scales take 32). */
    public int width() {
        return width;
    }

    /** Whether each client sends its own scale a block. */
    public boolean blockScaled() {
        return head > 0;
    }

    /** Values of a masked input: the head of scales and the code. */
    public int length() {
        return head + (rotation == null ? length : rotation.codeLength());
    }

    /** The size of level 1 for distributed DP's noise (plain and fixed-scale codes only). */
    public double step() {
        if (quantiser == null || blockScaled()) {
            throw new IllegalStateException("block-scaled codes have no common step");
        }
        return quantiser.step();
    }

    /** An update (of the round's length) as the integers this client masks. */
    public int[] encode(float[] update, SplittableRandom rounding) {
        if (update.length != length) {
            throw new SecAggException("an update of " + update.length + " values, the round's have " + length);
        }
        if (rotation == null) {
            return quantiser.encode(update, rounding);
        }
        float[] y = rotation.project(update);
        if (!blockScaled()) {
            return quantiser.encode(y, rounding);
        }
        int kept = y.length / head;
        int[] out = new int[length()];
        double c = clip(bits);
        long top = bits == 1 ? 1 : (1L << (bits - 1)) - 1;
        for (int b = 0; b < head; b++) {
            double square = 0;
            for (int j = b * kept; j < (b + 1) * kept; j++) {
                if (!Float.isFinite(y[j])) {
                    throw new SecAggException("value of block " + b + " is not finite");
                }
                square += (double) y[j] * y[j];
            }
            double rms = Math.min(clipRange, Math.sqrt(square / kept));
            long fixed = stochastic(rms / clipRange * scaleOne, rounding);
            out[b] = (int) fixed;
            double scale = fixed * clipRange / scaleOne;
            for (int j = b * kept; j < (b + 1) * kept; j++) {
                double z = scale == 0 ? 0 : Math.max(-c, Math.min(c, y[j] / scale));
                if (bits == 1) {
                    out[head + j] = rounding.nextDouble() < (1 + z / c) / 2 ? 1 : 0;
                } else {
                    out[head + j] = (int) Math.max(-top, Math.min(top, stochastic(z / c * top, rounding)));
                }
            }
        }
        return out;
    }

    private static long stochastic(double u, SplittableRandom rounding) {
        double lo = Math.floor(u);
        return (long) lo + (rounding.nextDouble() < u - lo ? 1 : 0);
    }

    /** What one client's integers stand for, in the update's space: {@code decodeSum(levels, 1)}. */
    public float[] decode(int[] levels) {
        return decodeSum(levels, 1);
    }

    /**
     * The sum of {@code clients} clients' updates as the code carries it, from the (unmasked) sum of their
     * integers, each value modulo 2^width (the head's modulo 2^32).
     */
    public float[] decodeSum(int[] sum, int clients) {
        if (sum.length != length()) {
            throw new SecAggException("a sum of " + sum.length + " values, the round's code has " + length());
        }
        if (rotation == null) {
            return quantiser.decodeSum(sum, clients);
        }
        if (!blockScaled()) {
            return rotation.reconstruct(quantiser.decodeSum(Messages.signed(sum, width), clients));
        }
        int kept = rotation.codeLength() / head;
        float[] code = new float[rotation.codeLength()];
        double c = clip(bits);
        long top = bits == 1 ? 1 : (1L << (bits - 1)) - 1;
        int[] levels = java.util.Arrays.copyOfRange(sum, head, sum.length);
        int[] signedLevels = bits == 1 ? null : Messages.signed(levels, width);
        long mask = (1L << width) - 1;
        for (int b = 0; b < head; b++) {
            double meanScale = (sum[b] & 0xFFFFFFFFL) * clipRange / scaleOne / clients;
            for (int j = b * kept; j < (b + 1) * kept; j++) {
                // 1 bit: the digits' sum D of n clients is the level sum 2 D - n
                long level = bits == 1 ? 2 * (levels[j] & mask) - clients : signedLevels[j];
                code[j] = (float) (meanScale * c / top * level);
            }
        }
        return rotation.reconstruct(code);
    }

    /** A masked input on the wire: the head in 32-bit words, the code packed to {@link #width} bits. */
    public byte[] pack(int[] masked) {
        if (masked.length != length()) {
            throw new SecAggException("a masked input of " + masked.length + " values, the round's code has " + length());
        }
        byte[] h = Messages.maskedBytes(java.util.Arrays.copyOf(masked, head));
        byte[] c = Messages.packedBytes(java.util.Arrays.copyOfRange(masked, head, masked.length), width);
        byte[] out = java.util.Arrays.copyOf(h, h.length + c.length);
        System.arraycopy(c, 0, out, h.length, c.length);
        return out;
    }

    /** {@link #pack}'s values, zero-extended; the body must be exactly their size. */
    public int[] unpack(byte[] body) {
        int codeValues = length() - head;
        long expected = 4L * head + (codeValues * (long) width + 7) / 8;
        if (body.length != expected) {
            throw new SecAggException("a masked input of this round is " + expected + " bytes, got " + body.length);
        }
        int[] h = Messages.maskedValues(java.util.Arrays.copyOf(body, 4 * head), head);
        int[] c = Messages.packedValues(java.util.Arrays.copyOfRange(body, 4 * head, body.length), codeValues, width);
        int[] out = java.util.Arrays.copyOf(h, length());
        System.arraycopy(c, 0, out, head, codeValues);
        return out;
    }
}
