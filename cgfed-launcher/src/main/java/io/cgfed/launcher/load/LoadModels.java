package io.cgfed.launcher.load;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.model.hf.HfConfig;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The models whose LoRA adapter layout the load benchmark uploads: the built-in ones, and real
 * Hugging Face configurations (their {@code config.json} as published) so that payload sizes are
 * those of real fine-tuning runs. The coordinator checks every upload against the experiment's
 * adapter layout, which it reads from a checkpoint directory; for a real configuration the benchmark
 * writes one whose {@code model.safetensors} has the full header of the model's tensors and a data
 * section that is a sparse file (no blocks on disk, no download): the coordinator reads only config
 * and headers, and no worker here ever loads the weights.
 */
public final class LoadModels {
    /**
     * Real configurations by short name: the published models of {@code ./cgfed make-checkpoint}
     * ({@link io.cgfed.core.model.hf.PublishedModels}), and meta-llama/Llama-2-7b-hf as earlier runs used it.
     */
    static final Map<String, String> CONFIGS = new LinkedHashMap<>();

    static {
        for (String name : io.cgfed.core.model.hf.PublishedModels.names()) {
            var p = io.cgfed.core.model.hf.PublishedModels.get(name);
            CONFIGS.put(name, io.cgfed.core.model.hf.CheckpointMaker.configJson(p, p.torchDtype()).toString());
        }
        // meta-llama/Llama-2-7b-hf
        CONFIGS.put("llama-2-7b", """
                {"architectures":["LlamaForCausalLM"],"hidden_act":"silu","hidden_size":4096,"intermediate_size":11008,
                 "max_position_embeddings":4096,"model_type":"llama","num_attention_heads":32,"num_hidden_layers":32,
                 "num_key_value_heads":32,"rms_norm_eps":1e-05,"rope_scaling":null,"tie_word_embeddings":false,
                 "vocab_size":32000}""");
    }

    private LoadModels() {
    }

    public static boolean known(String name) {
        return CONFIGS.containsKey(name) || ModelCatalog.exists(name);
    }

    public static String names() {
        return String.join(", ", CONFIGS.keySet()) + ", " + String.join(", ", ModelCatalog.names());
    }

    public static LlamaConfig config(String name) {
        String json = CONFIGS.get(name);
        if (json != null) {
            return HfConfig.parse(json, name);
        }
        return ModelCatalog.config(name);
    }

    /**
     * What to put in the spec's {@code model.name}: a built-in name as it is, a real configuration as
     * the checkpoint directory written for it under {@code dir}.
     */
    public static String specModelName(String name, Path dir) throws IOException {
        String json = CONFIGS.get(name);
        if (json == null) {
            ModelCatalog.config(name); // refuses an unknown name
            return name;
        }
        Path checkpoint = dir.resolve(name).toAbsolutePath();
        writeSparseCheckpoint(checkpoint, json, config(name));
        return checkpoint.toString();
    }

    /**
     * config.json plus a model.safetensors (BF16) whose header names every tensor the model reads with
     * its shape, and whose data section is left sparse.
     */
    static void writeSparseCheckpoint(Path dir, String configJson, LlamaConfig c) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), configJson);
        Map<String, int[]> tensors = new LinkedHashMap<>();
        for (var t : io.cgfed.core.model.hf.CheckpointMaker.tensors(c)) {
            tensors.put(t.name(), t.shape());
        }
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\",\"cgfed\":\"sparse load-benchmark layout\"}");
        long offset = 0;
        for (var e : tensors.entrySet()) {
            long bytes = 2;
            StringBuilder shape = new StringBuilder();
            for (int d : e.getValue()) {
                bytes *= d;
                shape.append(shape.length() == 0 ? "" : ",").append(d);
            }
            header.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"BF16\",\"shape\":[").append(shape)
                    .append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        header.append('}');
        while ((header.length() + 8) % 8 != 0) {
            header.append(' ');
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("model.safetensors").toFile(), "rw")) {
            f.setLength(0);
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            f.write(json);
            f.setLength(8L + json.length + offset); // sparse: the weights are never read
        }
    }
}
