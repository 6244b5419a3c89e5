package io.cgfed.core.model;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The LoRA factors of a model, named as PEFT names them so that an adapter exported from here
 * loads in the Hugging Face ecosystem: {@code base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight}
 * (shape r x in) and {@code ...lora_B.weight} (shape out x r).
 */
public final class LoraAdapter {
    private static final Pattern NAME = Pattern.compile(
            "base_model\\.model\\.model\\.layers\\.(0|[1-9][0-9]{0,5})\\.([A-Za-z0-9_]+)\\.([A-Za-z0-9_]+)\\.lora_([AB])\\.weight");

    private LoraAdapter() {
    }

    public static String name(int layer, LoraTarget target, char factor) {
        return "base_model.model.model.layers." + layer + "." + target.modulePath() + ".lora_" + factor + ".weight";
    }

    /** The parts of a LoRA factor's PEFT name. */
    public record Factor(int layer, LoraTarget target, char factor) {
    }

    /**
     * Parses a PEFT LoRA tensor name, {@code base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight}.
     *
     * @throws IllegalArgumentException naming what is wrong: not a LoRA factor of a decoder layer, or
     *                                  an unknown module (e.g. {@code self_attn.rotary_proj}, {@code mlp.q_proj})
     */
    public static Factor parse(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a LoRA factor of a decoder layer (expected "
                    + "base_model.model.model.layers.{i}.{self_attn|mlp}.{module}.lora_{A|B}.weight)");
        }
        String module = m.group(2) + "." + m.group(3);
        for (LoraTarget t : LoraTarget.values()) {
            if (t.modulePath().equals(module)) {
                return new Factor(Integer.parseInt(m.group(1)), t, m.group(4).charAt(0));
            }
        }
        throw new IllegalArgumentException("'" + name + "' names an unknown module '" + module + "' (LLaMA projections: "
                + java.util.Arrays.stream(LoraTarget.values()).map(LoraTarget::modulePath).toList() + ")");
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
        shapes(model, lora).forEach((name, shape) -> out.put(name, FloatTensor.zeros(shape)));
        return out;
    }

    /** Every name with its shape, in layout order, without allocating any values (for checks on hot paths). */
    public static java.util.LinkedHashMap<String, int[]> shapes(LlamaConfig model, LoraConfig lora) {
        java.util.LinkedHashMap<String, int[]> out = new java.util.LinkedHashMap<>();
        for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
            for (LoraTarget t : lora.targets()) {
                out.put(name(layer, t, 'A'), new int[] {lora.rank(), model.inFeatures(t)});
                out.put(name(layer, t, 'B'), new int[] {model.outFeatures(t), lora.rank()});
            }
        }
        return out;
    }

    /**
     * The names and shapes of what a client trains and sends: {@link #shapes} without the A factors when they are
     * frozen (FFA-LoRA: half the values).
     */
    public static java.util.LinkedHashMap<String, int[]> updateShapes(LlamaConfig model, LoraConfig lora) {
        java.util.LinkedHashMap<String, int[]> out = shapes(model, lora);
        out.keySet().removeIf(name -> !lora.trains(name));
        return out;
    }

    /** The part of an adapter change that a client sends: all of it, or only B when A is frozen. */
    public static NamedTensors sent(NamedTensors change, LoraConfig lora) {
        if (!lora.frozenA()) {
            return change;
        }
        NamedTensors out = new NamedTensors();
        for (String name : change.names()) {
            if (lora.trains(name)) {
                out.put(name, change.get(name));
            }
        }
        return out;
    }

    /** Whether the tensors have exactly the names and shapes of the adapter layout (in any order). */
    public static boolean hasLayout(NamedTensors tensors, LlamaConfig model, LoraConfig lora) {
        var shapes = shapes(model, lora);
        if (!tensors.names().equals(shapes.keySet())) {
            return false;
        }
        for (var e : shapes.entrySet()) {
            if (!java.util.Arrays.equals(tensors.get(e.getKey()).shape(), e.getValue())) {
                return false;
            }
        }
        return true;
    }
}
