package io.cgfed.core.model.hf;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.tensor.DType;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Writes a checkpoint directory as transformers' save_pretrained lays it out: a test fixture. */
final class CheckpointWriter {
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private CheckpointWriter() {
    }

    /** config.json as transformers writes it for a LlamaForCausalLM. */
    static ObjectNode config(LlamaConfig c) {
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add("LlamaForCausalLM");
        n.put("model_type", "llama");
        n.put("vocab_size", c.vocabSize());
        n.put("hidden_size", c.hiddenSize());
        n.put("intermediate_size", c.intermediateSize());
        n.put("num_hidden_layers", c.numHiddenLayers());
        n.put("num_attention_heads", c.numAttentionHeads());
        n.put("num_key_value_heads", c.numKeyValueHeads());
        n.put("rms_norm_eps", c.rmsNormEps());
        n.put("rope_theta", c.ropeTheta());
        n.putNull("rope_scaling");
        n.put("max_position_embeddings", c.maxPositionEmbeddings());
        n.put("tie_word_embeddings", c.tieWordEmbeddings());
        n.put("hidden_act", "silu");
        n.put("attention_bias", false);
        n.put("mlp_bias", false);
        n.put("torch_dtype", "float32");
        n.put("bos_token_id", 1);
        n.put("eos_token_id", 2);
        return n;
    }

    static void writeConfig(Path dir, ObjectNode config) throws IOException {
        Files.writeString(dir.resolve(HfCheckpoint.CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
    }

    /** config.json plus the weights in one model.safetensors (shards = 1) or in shards with an index. */
    static Path write(Path dir, LlamaConfig c, NamedTensors weights, DType dtype, int shards) throws IOException {
        Files.createDirectories(dir);
        writeConfig(dir, config(c));
        Map<String, String> meta = Map.of("format", "pt");
        if (shards == 1) {
            Files.write(dir.resolve(HfCheckpoint.SINGLE_FILE), SafeTensors.write(weights, dtype, meta));
            return dir;
        }
        List<String> names = new ArrayList<>(weights.names());
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", weights.numel() * dtype.bytes());
        ObjectNode map = index.putObject("weight_map");
        int per = (names.size() + shards - 1) / shards;
        for (int s = 0; s < shards; s++) {
            String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
            NamedTensors part = new NamedTensors();
            for (String name : names.subList(s * per, Math.min(names.size(), (s + 1) * per))) {
                part.put(name, weights.get(name));
                map.put(name, file);
            }
            Files.write(dir.resolve(file), SafeTensors.write(part, dtype, meta));
        }
        Files.writeString(dir.resolve(HfCheckpoint.INDEX), JSON.writeValueAsString(index));
        return dir;
    }
}
