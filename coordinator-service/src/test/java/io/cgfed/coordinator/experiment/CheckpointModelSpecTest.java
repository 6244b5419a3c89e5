package io.cgfed.coordinator.experiment;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.model.BaseWeights;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.tensor.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class CheckpointModelSpecTest extends CoordinatorApiTestBase {

    @Test
    void aHuggingFaceCheckpointDirectoryIsAModelAndItsConfigShapesTheAdapter() throws Exception {
        LlamaConfig config = new LlamaConfig(300, 16, 32, 1, 2, 1, 1e-5, 10000.0, 64, false);
        Path dir = Files.createTempDirectory("cgfed-hf-");
        Files.writeString(dir.resolve("config.json"), """
                {"architectures":["LlamaForCausalLM"],"vocab_size":300,"hidden_size":16,"intermediate_size":32,
                 "num_hidden_layers":1,"num_attention_heads":2,"num_key_value_heads":1,"rms_norm_eps":1e-5,
                 "max_position_embeddings":64,"tie_word_embeddings":false}""");
        Files.write(dir.resolve("model.safetensors"), SafeTensors.write(BaseWeights.random(config, 1, 0.02)));

        ObjectNode spec = spec("from-checkpoint");
        ((ObjectNode) spec.get("model")).put("name", dir.toString());
        JsonNode created = json(post("/api/v1/experiments", spec));
        assertThat(created.get("status").asString()).isEqualTo("PENDING");

        ObjectNode missing = spec("missing-checkpoint");
        ((ObjectNode) missing.get("model")).put("name", dir.resolve("nowhere").toString());
        JsonNode problem = assertProblem(post("/api/v1/experiments", missing), 400);
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("model.name");

        Files.writeString(dir.resolve("config.json"), "{\"architectures\":[\"GPT2LMHeadModel\"]}");
        ObjectNode wrong = spec("wrong-architecture");
        ((ObjectNode) wrong.get("model")).put("name", Files.createTempDirectory("cgfed-hf-").toString());
        assertProblem(post("/api/v1/experiments", wrong), 400);
    }
}
