package io.cgfed.core.model.hf;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.tensor.DType;
import io.cgfed.core.tensor.SafeTensorsStreamWriter;
import io.cgfed.core.tensor.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a Hugging Face Llama checkpoint of a published architecture with random weights, as
 * transformers' {@code save_pretrained} lays it out: {@code config.json}, the weights in
 * {@code model.safetensors} or in shards {@code model-0000k-of-0000N.safetensors} with
 * {@code model.safetensors.index.json}, {@code generation_config.json} and a {@code tokenizer.json}
 * (byte-level BPE over the 256 bytes plus the model's special tokens at their published ids). The
 * weights are normal(0, initializer_range) for every matrix, as transformers initialises them, and
 * one for the norms; each tensor is drawn from its own generator, seeded from the seed and its name.
 * It streams: one chunk of values is in memory at a time, whatever the model's size. With
 * {@code layoutOnly} it writes everything but the shards (the index still lists every tensor and
 * the total size), for benchmarks that need the layout, not the weights.
 */
public final class CheckpointMaker {
    static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Map<String, String> METADATA = Map.of("format", "pt");

    private CheckpointMaker() {
    }

    /** What to write. */
    public record Options(DType dtype, int shards, long seed, boolean layoutOnly) {
        public Options {
            if (shards < 1) {
                throw new IllegalArgumentException("shards must be at least 1, got " + shards);
            }
        }
    }

    /** What was written. */
    public record Result(Path directory, long parameters, long weightBytes, List<String> weightFiles, boolean layoutOnly) {
    }

    /** The tensors of a Llama checkpoint under Hugging Face names, in the order written. */
    public static List<TensorSpec> tensors(LlamaConfig c) {
        List<TensorSpec> out = new ArrayList<>();
        out.add(new TensorSpec("model.embed_tokens.weight", new int[] {c.vocabSize(), c.hiddenSize()}));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            out.add(new TensorSpec(p + "input_layernorm.weight", new int[] {c.hiddenSize()}));
            for (LoraTarget t : LoraTarget.values()) {
                out.add(new TensorSpec(p + t.modulePath() + ".weight", new int[] {c.outFeatures(t), c.inFeatures(t)}));
            }
            out.add(new TensorSpec(p + "post_attention_layernorm.weight", new int[] {c.hiddenSize()}));
        }
        out.add(new TensorSpec("model.norm.weight", new int[] {c.hiddenSize()}));
        if (!c.tieWordEmbeddings()) {
            out.add(new TensorSpec("lm_head.weight", new int[] {c.vocabSize(), c.hiddenSize()}));
        }
        return out;
    }

    /**
     * Splits the tensors, in order, into {@code shards} runs of about equal bytes (a tensor is never
     * split, as in transformers).
     */
    static List<List<TensorSpec>> shard(List<TensorSpec> tensors, int shards) {
        if (shards > tensors.size()) {
            throw new IllegalArgumentException("shards must be at most the number of tensors (" + tensors.size() + ")");
        }
        long total = tensors.stream().mapToLong(TensorSpec::numel).sum();
        List<List<TensorSpec>> out = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            out.add(new ArrayList<>());
        }
        long before = 0;
        int s = 0;
        for (int i = 0; i < tensors.size(); i++) {
            TensorSpec t = tensors.get(i);
            // on to the next shard once this tensor's middle lies past the current shard's share
            while (s < shards - 1 && !out.get(s).isEmpty() && (before + t.numel() / 2) * shards >= (s + 1) * total) {
                s++;
            }
            // and whenever the tensors left are just enough to give each later shard one
            if (!out.get(s).isEmpty() && tensors.size() - i <= shards - 1 - s) {
                s++;
            }
            out.get(s).add(t);
            before += t.numel();
        }
        return out;
    }

    public static Result write(PublishedModels.Published model, Path out, Options options) throws IOException {
        if (Files.exists(out) && (!Files.isDirectory(out) || !isEmpty(out))) {
            throw new IllegalArgumentException(out + " exists and is not an empty directory: choose a new --out");
        }
        Files.createDirectories(out);
        LlamaConfig c = model.config();
        List<TensorSpec> all = tensors(c);
        List<List<TensorSpec>> shards = shard(all, options.shards());
        List<String> files = new ArrayList<>();
        long weightBytes = all.stream().mapToLong(TensorSpec::numel).sum() * options.dtype().bytes();
        ObjectNode weightMap = JSON.createObjectNode();
        for (int s = 0; s < shards.size(); s++) {
            String file = shards.size() == 1 ? HfCheckpoint.SINGLE_FILE
                    : String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
            files.add(file);
            for (TensorSpec t : shards.get(s)) {
                weightMap.put(t.name(), file);
            }
        }
        Files.writeString(out.resolve(HfCheckpoint.CONFIG), pretty(configJson(model, options.dtype())));
        Files.writeString(out.resolve("generation_config.json"), pretty(JSON.createObjectNode()
                .put("_from_model_config", true).put("bos_token_id", model.bosTokenId())
                .put("eos_token_id", model.eosTokenId())));
        Files.writeString(out.resolve("tokenizer.json"), ByteLevelTokenizerJson.of(model.specials()));
        if (shards.size() > 1 || options.layoutOnly()) {
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", weightBytes);
            index.set("weight_map", weightMap);
            Files.writeString(out.resolve(HfCheckpoint.INDEX), pretty(index));
        }
        if (!options.layoutOnly()) {
            RandomWeights values = new RandomWeights(options.seed(), model.initializerRange());
            for (int s = 0; s < shards.size(); s++) {
                SafeTensorsStreamWriter.write(out.resolve(files.get(s)), shards.get(s), options.dtype(), METADATA, values);
            }
        }
        return new Result(out, c.parameterCount(), weightBytes, files, options.layoutOnly());
    }

    /** config.json as transformers 4.4x writes it for a LlamaForCausalLM. */
    public static ObjectNode configJson(PublishedModels.Published model, DType dtype) {
        return configJson(model.config(), model.bosTokenId(), model.eosTokenId(), model.initializerRange(), dtype);
    }

    /** config.json for any architecture, with its BOS and EOS ids. */
    public static ObjectNode configJson(LlamaConfig c, int bosTokenId, int eosTokenId, double initializerRange,
                                        DType dtype) {
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add("LlamaForCausalLM");
        n.put("attention_bias", false);
        n.put("attention_dropout", 0.0);
        n.put("bos_token_id", bosTokenId);
        n.put("eos_token_id", eosTokenId);
        n.put("head_dim", c.headDim());
        n.put("hidden_act", "silu");
        n.put("hidden_size", c.hiddenSize());
        n.put("initializer_range", initializerRange);
        n.put("intermediate_size", c.intermediateSize());
        n.put("max_position_embeddings", c.maxPositionEmbeddings());
        n.put("mlp_bias", false);
        n.put("model_type", "llama");
        n.put("num_attention_heads", c.numAttentionHeads());
        n.put("num_hidden_layers", c.numHiddenLayers());
        n.put("num_key_value_heads", c.numKeyValueHeads());
        n.put("pretraining_tp", 1);
        n.put("rms_norm_eps", c.rmsNormEps());
        if (c.ropeScaling() == null) {
            n.putNull("rope_scaling");
        } else {
            n.putObject("rope_scaling")
                    .put("factor", c.ropeScaling().factor())
                    .put("high_freq_factor", c.ropeScaling().highFreqFactor())
                    .put("low_freq_factor", c.ropeScaling().lowFreqFactor())
                    .put("original_max_position_embeddings", c.ropeScaling().originalMaxPositions())
                    .put("rope_type", "llama3");
        }
        n.put("rope_theta", c.ropeTheta());
        n.put("tie_word_embeddings", c.tieWordEmbeddings());
        n.put("torch_dtype", switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        });
        n.put("transformers_version", "4.46.0");
        n.put("use_cache", true);
        n.put("vocab_size", c.vocabSize());
        return n;
    }

    /** normal(0, std) for matrices, one for norm weights; a generator per tensor from (seed, name). */
    static final class RandomWeights implements SafeTensorsStreamWriter.Values {
        private final long seed;
        private final double std;
        private String current;
        private SplittableRandom random;

        RandomWeights(long seed, double std) {
            this.seed = seed;
            this.std = std;
        }

        @Override
        public void fill(TensorSpec tensor, long from, float[] into, int count) {
            if (tensor.shape().length == 1) {
                java.util.Arrays.fill(into, 0, count, 1f);
                return;
            }
            if (from == 0 || !tensor.name().equals(current)) {
                current = tensor.name();
                random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ tensor.name().hashCode());
            }
            for (int i = 0; i < count; i++) {
                into[i] = (float) (std * random.nextGaussian());
            }
        }
    }

    static String pretty(ObjectNode node) {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n";
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
