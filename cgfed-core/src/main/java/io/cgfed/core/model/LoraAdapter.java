package io.cgfed.core.model;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.SplittableRandom;

/**
 * The LoRA factors of a model, named as PEFT names them so that an adapter exported from here
 * loads in the Hugging Face ecosystem: {@code base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight}
 * (shape r x in) and {@code ...lora_B.weight} (shape out x r).
 */
public final class LoraAdapter {
    private LoraAdapter() {
    }

    public static String name(int layer, LoraTarget target, char factor) {
        return "base_model.model.model.layers." + layer + "." + target.modulePath() + ".lora_" + factor + ".weight";
    }

    /** A fresh adapter: A Kaiming-uniform (as PEFT: bound 1/sqrt(in)), B zero, so it starts as a no-op. */
    public static NamedTensors initialise(LlamaConfig model, LoraConfig lora, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        NamedTensors out = new NamedTensors();
        for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
            for (LoraTarget t : lora.targets()) {
                int in = model.inFeatures(t);
                int outF = model.outFeatures(t);
                float bound = (float) (1.0 / Math.sqrt(in));
                float[] a = new float[lora.rank() * in];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
                out.put(name(layer, t, 'A'), new FloatTensor(new int[] {lora.rank(), in}, a));
                out.put(name(layer, t, 'B'), FloatTensor.zeros(outF, lora.rank()));
            }
        }
        return out;
    }

    /** The layout an adapter for this model must have: every name with its shape, zero-filled. */
    public static NamedTensors layout(LlamaConfig model, LoraConfig lora) {
        NamedTensors out = new NamedTensors();
        for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
            for (LoraTarget t : lora.targets()) {
                out.put(name(layer, t, 'A'), FloatTensor.zeros(lora.rank(), model.inFeatures(t)));
                out.put(name(layer, t, 'B'), FloatTensor.zeros(model.outFeatures(t), lora.rank()));
            }
        }
        return out;
    }
}
