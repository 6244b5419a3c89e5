package io.cgfed.core.codec.rotq;

import io.cgfed.core.codec.CodecSettings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings of {@code rotq}, read from the spec's {@code codec.settings}:
 * <ul>
 *   <li>the budget, one of {@code bits} (bits per value of the update, in [1/128, 4]; default 0.5) or
 *       {@code compression} (fp32 bytes over body bytes, in [8, 4096]: 64 is 0.5 bit);</li>
 *   <li>{@code blockSize}: values per rotation block, a power of two in [64, 65536] (1024), at least
 *       32 / bits so that the blocks' 16-bit scales take at most half the budget;</li>
 *   <li>{@code quantiser}: {@code lloyd} (Lloyd-Max levels of ceil(bits) bits on a seeded subset of each
 *       block's rotated coordinates, the subset as large as the budget allows: all of them at 1-4 whole
 *       bits) or {@code entropy} (a deadzone uniform quantiser whose symbols are range-coded; its step is
 *       searched to fill the budget);</li>
 *   <li>{@code bias}: {@code mse} (the scale that minimises the error; biased, for use with error
 *       feedback) or {@code unbiased} (EDEN's scale, the expectation is the update; for use without
 *       error feedback: the two together diverge, and the coordinator refuses the pair).</li>
 *   <li>{@code factors}: 0-4, entropy quantiser with bias mse only (there 1 by default, else 0): the top
 *       singular directions of each matrix whose smaller side is at most 64 (every LoRA factor) are sent as
 *       factors before the rotation, under the same quantiser step ({@link FactoredBody}); where the
 *       matrices hold structure the encoder codes the update both ways and sends the one with the smaller
 *       error.</li>
 *   <li>{@code weighting}: {@code none} (the default) or {@code deltaW} (entropy quantiser only): each tensor's
 *       errors weighed by what they do to the weight change BA rather than alike ({@link DeltaWWeights}); the
 *       worker gives the codec the round's global adapter, the codes travel in the body (half a byte per
 *       tensor). It raises the dW SNR of an early update by 2 dB but, over 8 seeds, not the end metric.</li>
 * </ul>
 */
public record RotqSettings(double bits, int blockSize, Quantiser quantiser, boolean unbiased, int factors,
                           Weighting weighting) {
    public static final double MIN_BITS = 1.0 / 128;
    public static final double MAX_BITS = 4;

    public enum Quantiser { LLOYD, ENTROPY }

    /** How errors in different tensors are weighed: alike, or by what they do to the weights ({@link DeltaWWeights}). */
    public enum Weighting { NONE, DELTA_W }

    private static final java.util.List<String> KEYS = java.util.List.of("bits", "compression", "blockSize", "quantiser",
            "bias", "factors", "weighting", "seed");

    public RotqSettings {
        if (!(bits >= MIN_BITS && bits <= MAX_BITS)) {
            throw new IllegalArgumentException("codec setting 'bits' must be in [" + MIN_BITS + ", " + MAX_BITS + "], got "
                    + bits);
        }
        if (!Hadamard.isPowerOfTwo(blockSize) || blockSize < 64 || blockSize > 65536) {
            throw new IllegalArgumentException("codec setting 'blockSize' must be a power of two in [64, 65536], got "
                    + blockSize);
        }
        if (16.0 / blockSize > bits / 2) {
            throw new IllegalArgumentException("codec setting 'blockSize' " + blockSize + " is too small for " + bits
                    + " bits per value: its 16-bit scales alone would take over half the budget (use at least "
                    + Integer.highestOneBit((int) Math.ceil(32 / bits - 1e-9) * 2 - 1) + ")");
        }
        if (factors < 0 || factors > Factors.MAX_FACTORS) {
            throw new IllegalArgumentException("codec setting 'factors' must be in [0, " + Factors.MAX_FACTORS + "], got "
                    + factors);
        }
        if (factors > 0 && (quantiser != Quantiser.ENTROPY || unbiased)) {
            throw new IllegalArgumentException("codec setting 'factors' needs quantiser entropy and bias mse (the factors "
                    + "share the entropy quantiser's step; an unbiased scale is not defined for their product)");
        }
        if (weighting == Weighting.DELTA_W && quantiser != Quantiser.ENTROPY) {
            throw new IllegalArgumentException("codec setting 'weighting' deltaW needs quantiser entropy (lloyd spends the "
                    + "same bits on every value)");
        }
    }

    public static RotqSettings of(Map<String, Object> settings) {
        Map<String, Object> s = settings == null ? Map.of() : settings;
        for (String key : s.keySet()) {
            // "seed" is what workers add for stochastic codecs; rotq's randomness comes from the payload's identity
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("codec setting '" + key + "' is not known to rotq (known: " + KEYS + ")");
            }
        }
        if (s.containsKey("bits") && s.containsKey("compression")) {
            throw new IllegalArgumentException("codec settings 'bits' and 'compression' both set the budget: give one");
        }
        double bits = s.containsKey("compression")
                ? 32 / CodecSettings.number(s, "compression", 64, 8, 4096)
                : CodecSettings.number(s, "bits", 0.5, MIN_BITS, MAX_BITS);
        int blockSize = CodecSettings.integer(s, "blockSize", 1024, 64, 65536);
        String q = CodecSettings.text(s, "quantiser", "lloyd");
        Quantiser quantiser = switch (q) {
            case "lloyd" -> Quantiser.LLOYD;
            case "entropy" -> Quantiser.ENTROPY;
            default -> throw new IllegalArgumentException("codec setting 'quantiser' must be lloyd or entropy, got " + q);
        };
        String bias = CodecSettings.text(s, "bias", "mse");
        boolean unbiased = switch (bias) {
            case "mse" -> false;
            case "unbiased" -> true;
            default -> throw new IllegalArgumentException("codec setting 'bias' must be mse or unbiased, got " + bias);
        };
        // factors pay at 1/64 (+0.7 dB on the bench's LoRA updates) and the encoder falls back where they do not
        int factors = CodecSettings.integer(s, "factors", quantiser == Quantiser.ENTROPY && !unbiased ? 1 : 0, 0,
                Factors.MAX_FACTORS);
        // deltaW is an option, not the default: over 8 seeds it did not raise the end metric (docs/benchmarks.md)
        String w = CodecSettings.text(s, "weighting", "none");
        Weighting weighting = switch (w) {
            case "none" -> Weighting.NONE;
            case "deltaW" -> Weighting.DELTA_W;
            default -> throw new IllegalArgumentException("codec setting 'weighting' must be none or deltaW, got " + w);
        };
        return new RotqSettings(bits, blockSize, quantiser, unbiased, factors, weighting);
    }

    /** The defaults, as {@code GET /api/v1/codecs} shows them. */
    public static Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("bits", 0.5);
        d.put("blockSize", 1024);
        d.put("quantiser", "lloyd");
        d.put("bias", "mse");
        d.put("factors", 0);
        d.put("weighting", "none");
        return d;
    }

    /** The settings' bounds, as {@code GET /api/v1/codecs} shows them. */
    public static Map<String, String> bounds() {
        Map<String, String> b = new LinkedHashMap<>();
        b.put("bits", "number in [1/128, 4]; or compression instead");
        b.put("compression", "number in [8, 4096] (fp32 bytes over body bytes: 32 / bits)");
        b.put("blockSize", "power of two in [64, 65536], at least 32 / bits");
        b.put("quantiser", "lloyd | entropy");
        b.put("bias", "mse | unbiased (not with error feedback)");
        b.put("factors", "integer in [0, 4]: top singular directions per matrix sent first (entropy quantiser, bias mse; "
                + "1 there by default, else 0)");
        b.put("weighting", "none | deltaW: errors weighed by what they do to the weights, from the round's global adapter "
                + "(entropy quantiser only; none by default)");
        return b;
    }

    /** The body bytes allowed for {@code n} values: {@code floor(n x bits / 8)}. */
    public long budgetBytes(long n) {
        return (long) Math.floor(n * bits / 8 + 1e-9);
    }
}
