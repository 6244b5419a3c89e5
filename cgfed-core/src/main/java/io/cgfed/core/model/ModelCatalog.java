package io.cgfed.core.model;

import io.cgfed.core.tensor.NamedTensors;
import java.util.Map;
import java.util.Set;

/**
 * Built-in models a test or the demo can run without any download. A real checkpoint directory
 * takes the place of these for real work.
 */
public final class ModelCatalog {
    /** Byte-level vocabulary: 256 bytes plus BOS, EOS and PAD. */
    public static final int BYTE_VOCAB = 259;

    private static final Map<String, LlamaConfig> MODELS = Map.of(
            // 2 layers, GQA (4 query heads over 2 key/value heads): about 0.1M parameters
            "tiny-llama", new LlamaConfig(BYTE_VOCAB, 64, 128, 2, 4, 2, 1e-6, 10000.0, 64, false),
            // a still smaller one for unit tests
            "micro-llama", new LlamaConfig(BYTE_VOCAB, 32, 64, 1, 4, 2, 1e-6, 10000.0, 64, false));

    private ModelCatalog() {
    }

    public static LlamaConfig config(String name) {
        LlamaConfig c = MODELS.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown built-in model '" + name + "' (known: " + names() + ")");
        }
        return c;
    }

    /**
     * The frozen base of a built-in model: random, deterministic under the seed. Scales are chosen
     * so that logits have room to move (a 0.02 output head caps every logit margin near 1).
     */
    public static NamedTensors baseWeights(String name, long seed) {
        return BaseWeights.random(config(name), seed, 0.15, 0.25);
    }

    public static boolean exists(String name) {
        return MODELS.containsKey(name);
    }

    public static Set<String> names() {
        return MODELS.keySet();
    }
}
