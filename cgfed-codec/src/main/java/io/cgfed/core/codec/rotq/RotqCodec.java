package io.cgfed.core.codec.rotq;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.tensor.TensorSpec;
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
 * u8 quantiser (1 lloyd, 2 entropy; 0 was lloyd's earlier layout) | u8 log2 B | u8 bits b | u8 flags (bit 0: unbiased scale)
 *   lloyd:   | u32 m | nBlocks x bf16 scale | per block in position order, a b-bit level index for each of the
 *            payload's m seeded positions and a (b-1)-bit one for the rest (none when b = 1), LSB first, the
 *            last byte zero-padded
 *   entropy: | nBlocks x bf16 scale | range-coded symbols of every coordinate, to the end of the body
 *   entropy with factors (flags bit 1): | u8 k | bf16 factor scale | nBlocks x bf16 scale | range-coded
 *            factor symbols, then the rotated residual's ({@link FactoredBody})
 * </pre>
 * The decoder derives the rotation signs and the kept subset from the seed, reads the levels, multiplies
 * by the block's scale and rotates back. The encoder fills the budget and never passes it (unless a
 * body cannot hold even its header): lloyd gives b = ceil(bits) bits to as many coordinates as fit and
 * b - 1 to the rest (below one bit: the rest are dropped, EDEN's subsampling), entropy searches its step.
 */
public final class RotqCodec implements Codec {
    public static final String NAME = "rotq";
    /** lloyd's layout before 2026-12-02 (a subset per block, levels in its order): refused, not misread. */
    static final int QUANTISER_LLOYD_V0 = 0;
    static final int QUANTISER_LLOYD = 1;
    static final int QUANTISER_ENTROPY = 2;
    static final int FLAG_UNBIASED = 1;
    /** Entropy quantiser only: the matrices' top singular directions come first ({@link FactoredBody}). */
    static final int FLAG_FACTORS = 2;
    /**
     * Entropy quantiser only: the tensors were scaled by their weight in dW before the rotation; their 4-bit
     * codes follow the four header bytes, then the body as it would be without them ({@link DeltaWWeights}).
     */
    static final int FLAG_WEIGHTED = 4;
    /** Largest magnitude of an entropy-coded symbol; larger ones saturate. */
    static final int MAX_LEVEL = 16;
    /** Reconstruction of symbol k != 0 is sign(k) (|k| - OFFSET) x scale: the centroid's pull towards 0. */
    static final float OFFSET = 0.15f;
    /** Rounding point of the deadzone quantiser: k = floor(|u| / step + ROUNDING). */
    static final float ROUNDING = 0.35f;
    static final int SIGNS = 0;
    static final int SUBSET = 1;
    static final int MAGNITUDE_CONTEXTS = 8;

    private final RotqSettings settings;
    private final long seed;
    private final int headerBytes;
    /** The round's global adapter, for {@code weighting: deltaW}; null: unweighted. */
    private final NamedTensors reference;

    public RotqCodec(Map<String, Object> settings) {
        this(RotqSettings.of(settings), 0, 0, null);
    }

    RotqCodec(RotqSettings settings, long seed, int headerBytes, NamedTensors reference) {
        this.settings = settings;
        this.seed = seed;
        this.headerBytes = headerBytes;
        this.reference = reference;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Codec seeded(long sharedSeed) {
        return new RotqCodec(settings, sharedSeed, headerBytes, reference);
    }

    @Override
    public Codec withHeaderBytes(int bytes) {
        return bytes == headerBytes ? this : new RotqCodec(settings, seed, bytes, reference);
    }

    @Override
    public Codec withReference(NamedTensors globalAdapter) {
        return settings.weighting() == RotqSettings.Weighting.DELTA_W && settings.quantiser() == RotqSettings.Quantiser.ENTROPY
                ? new RotqCodec(settings, seed, headerBytes, globalAdapter) : this;
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
        if (reference == null) {
            return encode(update, 0);
        }
        int[] codes = DeltaWWeights.codes(reference, update);
        int extra = DeltaWWeights.bytes(codes.length);
        byte[] inner = encode(DeltaWWeights.scaled(update, codes), extra);
        byte[] body = new byte[inner.length + extra];
        System.arraycopy(inner, 0, body, 0, EntropyBody.HEADER);
        body[3] |= FLAG_WEIGHTED;
        DeltaWWeights.write(codes, body, EntropyBody.HEADER);
        System.arraycopy(inner, EntropyBody.HEADER, body, EntropyBody.HEADER + extra, inner.length - EntropyBody.HEADER);
        return body;
    }

    /** The body of {@code update} in the budget less {@code reserved} bytes (the weights' codes). */
    private byte[] encode(NamedTensors update, int reserved) {
        long total = update.numel();
        if (total > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("rotq encodes at most " + Integer.MAX_VALUE / 2 + " values, got " + total);
        }
        int n = (int) total;
        int block = blockSizeFor(n, settings.blockSize());
        int blocks = (n + block - 1) / block;
        long nominal = settings.budgetBytes(n);
        // the budget is the whole payload's when the worker says what its header takes; where the header would
        // take more than half of it (1/256 of a small model: 112 bytes, a header of about 90), the body keeps
        // half and the request passes the budget, rather than the body carrying nothing
        long budget = Math.max(nominal - headerBytes, nominal / 2) - reserved;
        List<Factors.Placement> layout = settings.factors() > 0
                ? Factors.layout(TensorSpec.manifestOf(update), settings.factors()) : List.of();
        EntropyBody.Coded factored = layout.isEmpty() ? null
                : FactoredBody.encode(update.flatten(), layout, settings.factors(), block, blocks, budget, seed);
        // the values in manifest order, straight into the zero-padded rotation buffer
        float[] y = new float[blocks * block];
        int at = 0;
        for (String name : update.names()) {
            float[] d = update.get(name).data();
            System.arraycopy(d, 0, y, at, d.length);
            at += d.length;
        }
        double[] energy = new double[blocks]; // of each rotated block
        for (int b = 0; b < blocks; b++) {
            energy[b] = Hadamard.forward(y, b * block, block, SharedSeeds.block(seed, b, SIGNS));
        }
        if (settings.quantiser() == RotqSettings.Quantiser.LLOYD) {
            return LloydBody.encode(y, energy, block, blocks, budget, settings, seed);
        }
        // weighted: one step in the scaled units for every block (water-filling across them), else one per block's RMS
        EntropyBody.Coded plain = EntropyBody.encode(y, energy, block, blocks, budget, settings, reserved > 0);
        // the factors pay where the matrices' leading directions are worth more than the bits they take (at
        // 1/64 of a LoRA update: +0.7 dB), not at the lowest rates (1/256: -0.2 dB): the encoder keeps the better
        return factored != null && factored.error() < plain.error() ? factored.body() : plain.body();
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
        if ((flags & FLAG_WEIGHTED) != 0) {
            return decodeWeighted(body, manifest, quantiser);
        }
        int expectedBlock = blockSizeFor(total, 65536);
        if (log2 > 16 || (1 << log2) > expectedBlock) {
            throw new PayloadFormatException("codec rotq: block size 2^" + log2 + " is out of range for " + total + " values");
        }
        if ((flags & ~(FLAG_UNBIASED | FLAG_FACTORS)) != 0 || flags == (FLAG_UNBIASED | FLAG_FACTORS)) {
            throw new PayloadFormatException("codec rotq: flags " + flags + " are not supported");
        }
        int block = 1 << log2;
        int n = (int) total;
        int blocks = (n + block - 1) / block;
        if ((flags & FLAG_FACTORS) != 0) {
            return decodeFactored(body, manifest, quantiser, bits, block, blocks, n);
        }
        float[] y = switch (quantiser) {
            case QUANTISER_LLOYD -> LloydBody.decode(body, bits, block, blocks, seed);
            case QUANTISER_LLOYD_V0 -> throw new PayloadFormatException("codec rotq: quantiser 0 is lloyd's layout before "
                    + "2026-12-02 (a subset per block), which this version no longer reads; re-encode with this version");
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

    private NamedTensors decodeWeighted(byte[] body, List<TensorSpec> manifest, int quantiser) {
        if (quantiser != QUANTISER_ENTROPY) {
            throw new PayloadFormatException("codec rotq: weights with quantiser " + quantiser
                    + " (weights come with the entropy quantiser)");
        }
        int[] codes = DeltaWWeights.read(body, EntropyBody.HEADER, manifest);
        int extra = DeltaWWeights.bytes(codes.length);
        byte[] inner = new byte[body.length - extra];
        System.arraycopy(body, 0, inner, 0, EntropyBody.HEADER);
        inner[3] &= (byte) ~FLAG_WEIGHTED;
        System.arraycopy(body, EntropyBody.HEADER + extra, inner, EntropyBody.HEADER, inner.length - EntropyBody.HEADER);
        return DeltaWWeights.unscaled(decode(inner, DeltaWWeights.scaledManifest(manifest, codes)), manifest, codes);
    }

    private NamedTensors decodeFactored(byte[] body, List<TensorSpec> manifest, int quantiser, int bits, int block,
                                        int blocks, int n) {
        if (quantiser != QUANTISER_ENTROPY || bits != 0) {
            throw new PayloadFormatException("codec rotq: factors with quantiser " + quantiser + " and bits " + bits
                    + " (factors come with the entropy quantiser, bits 0)");
        }
        if (body.length < FactoredBody.HEADER) {
            throw new PayloadFormatException("codec rotq: body of " + body.length + " bytes has no factor header");
        }
        int k = body[EntropyBody.HEADER] & 0xff;
        if (k < 1 || k > Factors.MAX_FACTORS) {
            throw new PayloadFormatException("codec rotq: " + k + " factors per matrix (must be 1-" + Factors.MAX_FACTORS + ")");
        }
        List<Factors.Placement> layout = Factors.layout(manifest, k);
        if (layout.isEmpty()) {
            throw new PayloadFormatException("codec rotq: factors for a layout without a matrix that takes them");
        }
        FactoredBody.Decoded d = FactoredBody.decode(body, layout, block, blocks);
        float[] y = d.y();
        for (int b = 0; b < blocks; b++) {
            Hadamard.inverse(y, b * block, block, SharedSeeds.block(seed, b, SIGNS));
        }
        float[] out = y.length == n ? y : java.util.Arrays.copyOf(y, n);
        Factors.expand(d.factors(), layout, out, 1);
        return io.cgfed.core.codec.Manifests.split(out, manifest);
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
}
