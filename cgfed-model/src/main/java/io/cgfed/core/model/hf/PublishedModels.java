package io.cgfed.core.model.hf;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.RopeScaling;
import io.cgfed.core.tensor.DType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The architectures of published LLaMA-family checkpoints, with the hyper-parameters of their
 * {@code config.json} on the Hugging Face Hub, so that {@code ./cgfed make-checkpoint} writes
 * checkpoints of their exact shapes without a download. Parameter counts (tests check them):
 * smollm-135m 134,515,008; tinyllama-1.1b 1,100,048,384; llama-3.2-1b 1,235,814,400;
 * llama-7b 6,738,415,616.
 */
public final class PublishedModels {
    /** One published model: where it comes from, its architecture and its special tokens. */
    public record Published(String name, String hubRepo, LlamaConfig config, DType torchDtype,
                            double initializerRange, List<Special> specials, int bosTokenId, int eosTokenId) {
        public long parameterCount() {
            return config.parameterCount();
        }
    }

    /** A special token of the tokenizer and its id. */
    public record Special(String content, int id) {
    }

    private static final Map<String, Published> MODELS = new LinkedHashMap<>();

    static {
        add(new Published("smollm-135m", "HuggingFaceTB/SmolLM-135M",
                new LlamaConfig(49152, 576, 1536, 30, 9, 3, 1e-5, 10000.0, 2048, true),
                DType.BF16, 0.02, List.of(new Special("<|endoftext|>", 0)), 0, 0));
        add(new Published("tinyllama-1.1b", "TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T",
                new LlamaConfig(32000, 2048, 5632, 22, 32, 4, 1e-5, 10000.0, 2048, false),
                DType.BF16, 0.02, List.of(new Special("<unk>", 0), new Special("<s>", 1), new Special("</s>", 2)), 1, 2));
        add(new Published("llama-3.2-1b", "meta-llama/Llama-3.2-1B",
                new LlamaConfig(128256, 2048, 8192, 16, 32, 8, 1e-5, 500000.0, 131072, true,
                        new RopeScaling(32.0, 1.0, 4.0, 8192)),
                DType.BF16, 0.02, List.of(new Special("<|begin_of_text|>", 128000), new Special("<|end_of_text|>", 128001)),
                128000, 128001));
        add(new Published("llama-7b", "huggyllama/llama-7b",
                new LlamaConfig(32000, 4096, 11008, 32, 32, 32, 1e-6, 10000.0, 2048, false),
                DType.F16, 0.02, List.of(new Special("<unk>", 0), new Special("<s>", 1), new Special("</s>", 2)), 1, 2));
    }

    private PublishedModels() {
    }

    private static void add(Published p) {
        MODELS.put(p.name(), p);
    }

    public static Published get(String name) {
        Published p = MODELS.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown published model '" + name + "' (known: " + names() + ")");
        }
        return p;
    }

    public static Set<String> names() {
        return MODELS.keySet();
    }
}
