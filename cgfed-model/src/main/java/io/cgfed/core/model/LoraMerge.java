package io.cgfed.core.model;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Folds a LoRA adapter into the base weights for inference: {@code W' = W + (alpha / r) * B @ A} for
 * every adapted projection, where W is {@code out x in}, B {@code out x r} and A {@code r x in}. A
 * model built from the merged weights needs no LoRA and gives the same outputs as the base model
 * with the adapter loaded (up to float rounding). Plain Java; sums are accumulated in double.
 */
public final class LoraMerge {
    private LoraMerge() {
    }

    /** Merges with the scaling of this LoRA configuration (alpha / r). */
    public static NamedTensors merge(NamedTensors base, NamedTensors adapter, LoraConfig lora) {
        return merge(base, adapter, lora.scaling());
    }

    /**
     * The base weights with the adapter folded in, in the base's order. Adapted projections are new
     * tensors; every other tensor is the base's own instance (shared, not copied).
     *
     * @param adapter LoRA factors under PEFT names ({@link LoraAdapter#name})
     * @throws IllegalArgumentException for a name that is not a LoRA factor, a factor without its
     *                                  partner, a projection the base lacks, or shapes that do not fit
     */
    public static NamedTensors merge(NamedTensors base, NamedTensors adapter, double scaling) {
        if (!Double.isFinite(scaling)) {
            throw new IllegalArgumentException("LoRA scaling must be finite, got " + scaling);
        }
        Map<String, FloatTensor[]> pairs = new LinkedHashMap<>();
        adapter.forEach((name, t) -> {
            LoraAdapter.Factor f = LoraAdapter.parse(name);
            String weight = baseName(f.layer(), f.target());
            pairs.computeIfAbsent(weight, k -> new FloatTensor[2])[f.factor() == 'A' ? 0 : 1] = t;
        });
        Map<String, FloatTensor> merged = new LinkedHashMap<>();
        pairs.forEach((weight, ab) -> {
            if (ab[0] == null || ab[1] == null) {
                throw new IllegalArgumentException("adapter has lora_" + (ab[0] == null ? "B" : "A") + " but no lora_"
                        + (ab[0] == null ? "A" : "B") + " for " + weight);
            }
            if (!base.contains(weight)) {
                throw new IllegalArgumentException("base weights have no " + weight + " for the adapter to merge into");
            }
            merged.put(weight, mergeOne(weight, base.get(weight), ab[0], ab[1], scaling));
        });
        NamedTensors out = new NamedTensors();
        base.forEach((name, t) -> out.put(name, merged.getOrDefault(name, t)));
        return out;
    }

    /** The Hugging Face name of a projection's weight: {@code model.layers.{i}.self_attn.q_proj.weight}. */
    public static String baseName(int layer, LoraTarget target) {
        return "model.layers." + layer + "." + target.modulePath() + ".weight";
    }

    /** One projection: {@code w + scaling * b @ a}; name is for error messages. */
    public static FloatTensor mergeOne(String name, FloatTensor w, FloatTensor a, FloatTensor b, double scaling) {
        if (w.rank() != 2 || a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException(name + ": weight " + Arrays.toString(w.shape()) + ", lora_A "
                    + Arrays.toString(a.shape()) + " and lora_B " + Arrays.toString(b.shape()) + " must all be matrices");
        }
        int out = w.dim(0);
        int in = w.dim(1);
        int r = a.dim(0);
        if (a.dim(1) != in || b.dim(0) != out || b.dim(1) != r) {
            throw new IllegalArgumentException(name + ": weight " + Arrays.toString(w.shape()) + " (out x in) does not fit "
                    + "lora_A " + Arrays.toString(a.shape()) + " (r x in) and lora_B " + Arrays.toString(b.shape())
                    + " (out x r)");
        }
        float[] wd = w.data();
        float[] ad = a.data();
        float[] bd = b.data();
        float[] result = new float[wd.length];
        double[] row = new double[in];
        for (int o = 0; o < out; o++) {
            Arrays.fill(row, 0.0);
            for (int k = 0; k < r; k++) {
                double bok = bd[o * r + k];
                if (bok == 0.0) {
                    continue;
                }
                int aRow = k * in;
                for (int j = 0; j < in; j++) {
                    row[j] += bok * ad[aRow + j];
                }
            }
            int wRow = o * in;
            for (int j = 0; j < in; j++) {
                result[wRow + j] = (float) (wd[wRow + j] + scaling * row[j]);
            }
        }
        return new FloatTensor(new int[] {out, in}, result);
    }
}
