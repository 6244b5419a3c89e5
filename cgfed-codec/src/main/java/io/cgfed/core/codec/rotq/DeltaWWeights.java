package io.cgfed.core.codec.rotq;

import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * rotq's {@code weighting: deltaW}: the bits go where they move the weights. A LoRA target's weight change is
 * {@code dW = s((B + dB)(A + dA) - BA)}; an error E_B in dB moves it by {@code s E_B A'} and an error E_A in dA by
 * {@code s B' E_A} (A' = A + dA, B' = B + dB, the factors after the update; the product of the two errors is of
 * second order). For errors white over a tensor's values (what the rotation makes them),
 * {@code E||E_B A'||^2 = d_B out ||A'||^2} and {@code E||B' E_A||^2 = d_A in ||B'||^2}: per value, an error in B
 * weighs {@code lambda_B = ||A'||^2 / r} and one in A weighs {@code lambda_A = ||B'||^2 / r}. The encoder multiplies
 * each tensor by a gain g before the rotation and the decoder divides by it after.
 *
 * <p>The gain is {@code g = sqrt(lambda)}: with one quantiser step in the scaled units that is reverse water-filling
 * on the dW error, as long as tensors of different gains are quantised apart. At the start of training B is
 * zero, dB alone makes dW, and nearly every bit goes to dB while the residual of dA waits in error feedback
 * until B has grown (a synthetic update of that kind: dW SNR 1.87 dB unweighted, 3.92 weighted, at 1/64).
 *
 * <p>The tensors are coded most important first ({@link #order}), so that a rotation block holds tensors of one
 * gain, and under one quantiser step in the scaled units for every block (not one per block's RMS): that is
 * reverse water-filling across blocks, where a block of dA with a small gain costs little more than its zero
 * symbols. Within a block that mixed gains it would not be: the rotation spreads the error of the quantised
 * coordinates over the block's values alike (measured: dB's error is the same whether dA beside it is
 * weighed down or zero).
 *
 * <p>The weights are the client's to compute (it holds the global adapter and its update) and travel as one
 * 4-bit code per tensor, in manifest order, two to a byte (low nibble first): g = 2^(-code / 2) relative to
 * the most important tensor, so 16 codes span 2^-7.5. A tensor outside a lora_A / lora_B pair gets code 0.
 */
final class DeltaWWeights {
    static final int MAX_CODE = 15;

    private DeltaWWeights() {
    }

    /** Bytes of the codes for {@code tensors} tensors. */
    static int bytes(int tensors) {
        return (tensors + 1) / 2;
    }

    /** The codes of {@code update}'s tensors (in its order) against the round's global adapter. */
    static int[] codes(NamedTensors reference, NamedTensors update) {
        List<String> names = new ArrayList<>(update.names());
        Map<String, Double> weight = new LinkedHashMap<>();
        for (String b : names) {
            if (!b.endsWith("lora_B.weight")) {
                continue;
            }
            String a = b.substring(0, b.length() - "lora_B.weight".length()) + "lora_A.weight";
            if (!reference.contains(a) || !reference.contains(b)) {
                continue;
            }
            int rank = update.get(b).shape()[1];
            // an update without dA (FFA-LoRA: A frozen) weighs dB by the frozen A alone
            weight.put(b, squaredNorm(reference.get(a), update.contains(a) ? update.get(a) : null) / rank);
            if (update.contains(a)) {
                weight.put(a, squaredNorm(reference.get(b), update.get(b)) / rank);
            }
        }
        double max = weight.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        int[] codes = new int[names.size()];
        for (int t = 0; t < codes.length; t++) {
            Double w = weight.get(names.get(t));
            if (w == null || !(max > 0)) {
                codes[t] = 0;
            } else if (!(w > 0)) {
                codes[t] = MAX_CODE;
            } else {
                // g / gmax = (w / max)^(1/2); code = -2 log2(g / gmax) = -log2(w / max)
                codes[t] = (int) Math.min(MAX_CODE, Math.max(0, Math.round(-Math.log(w / max) / Math.log(2))));
            }
        }
        return codes;
    }

    /** The gain of a code: the factor a tensor is multiplied by before the rotation. */
    static float gain(int code) {
        return (float) Math.pow(2, -code / 2.0);
    }

    /**
     * {@code update} with each tensor multiplied by its code's gain, the tensors in the order {@link #order}: the
     * most important first, so that a rotation block holds tensors of one gain (a block that mixed them would
     * spread the error of the quantised coordinates over both alike, whatever their gains).
     */
    static NamedTensors scaled(NamedTensors update, int[] codes) {
        List<String> names = new ArrayList<>(update.names());
        NamedTensors out = new NamedTensors();
        for (int t : order(codes)) {
            FloatTensor x = update.get(names.get(t));
            out.put(names.get(t), new FloatTensor(x.shape(), times(x.data(), gain(codes[t]))));
        }
        return out;
    }

    /** The decoder's view of {@link #scaled}: the manifest in the order the encoder coded the tensors. */
    static List<TensorSpec> scaledManifest(List<TensorSpec> manifest, int[] codes) {
        List<TensorSpec> out = new ArrayList<>();
        for (int t : order(codes)) {
            out.add(manifest.get(t));
        }
        return out;
    }

    /** {@link #scaled}'s inverse: each tensor divided by its gain, in manifest order. */
    static NamedTensors unscaled(NamedTensors decoded, List<TensorSpec> manifest, int[] codes) {
        NamedTensors out = new NamedTensors();
        for (int t = 0; t < codes.length; t++) {
            FloatTensor x = decoded.get(manifest.get(t).name());
            out.put(manifest.get(t).name(), new FloatTensor(x.shape(), times(x.data(), 1 / gain(codes[t]))));
        }
        return out;
    }

    /** Tensor indices by code, then manifest order. */
    static int[] order(int[] codes) {
        return java.util.stream.IntStream.range(0, codes.length).boxed()
                .sorted(java.util.Comparator.<Integer>comparingInt(t -> codes[t]).thenComparingInt(t -> t))
                .mapToInt(Integer::intValue).toArray();
    }

    private static float[] times(float[] d, float by) {
        float[] y = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            y[i] = d[i] * by;
        }
        return y;
    }

    static void write(int[] codes, byte[] into, int offset) {
        for (int t = 0; t < codes.length; t++) {
            into[offset + t / 2] |= (byte) ((codes[t] & 0xf) << (t % 2 == 0 ? 0 : 4));
        }
    }

    /** The codes of a body's weights for {@code manifest}; a set high nibble past the last tensor is refused. */
    static int[] read(byte[] body, int offset, List<TensorSpec> manifest) {
        int tensors = manifest.size();
        if (body.length < offset + bytes(tensors)) {
            throw new PayloadFormatException("codec rotq: body of " + body.length + " bytes is too short for the weights of "
                    + tensors + " tensors");
        }
        int[] codes = new int[tensors];
        for (int t = 0; t < tensors; t++) {
            codes[t] = (body[offset + t / 2] >> (t % 2 == 0 ? 0 : 4)) & 0xf;
        }
        if (tensors % 2 == 1 && (body[offset + tensors / 2] & 0xf0) != 0) {
            throw new PayloadFormatException("codec rotq: the weights' padding nibble is not zero");
        }
        return codes;
    }

    /** {@code ||base + delta||^2}; base null: {@code ||delta||^2}; delta null: {@code ||base||^2}. */
    private static double squaredNorm(FloatTensor base, FloatTensor delta) {
        float[] b = base == null ? null : base.data();
        float[] d = delta == null ? null : delta.data();
        int n = d != null ? d.length : b.length;
        double s = 0;
        for (int i = 0; i < n; i++) {
            double v = (b == null ? 0 : b[i]) + (d == null ? 0 : (double) d[i]);
            s += v * v;
        }
        return s;
    }
}
