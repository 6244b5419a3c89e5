package io.cgfed.coordinator.experiment;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.model.PeftAdapter;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * A spec's {@code initialAdapter} (a PEFT directory) is round 0's adapter instead of a fresh one; a directory
 * outside the model roots, a missing one, or one of another rank or layout is a 400 on its field.
 */
class WarmStartTest extends CoordinatorApiTestBase {

    private static Path peft(LoraConfig lora, float bValue) throws Exception {
        var config = ModelCatalog.config(Payloads.MODEL);
        NamedTensors t = new NamedTensors();
        LoraAdapter.initialise(config, lora, 3).forEach((name, v) -> {
            float[] d = v.data().clone();
            if (name.contains("lora_B")) {
                java.util.Arrays.fill(d, bValue);
            }
            t.put(name, new FloatTensor(v.shape(), d));
        });
        Path dir = Files.createTempDirectory("cgfed-peft-");
        PeftAdapter.of("micro-llama", config, lora, t).writeDirectory(dir);
        return dir;
    }

    @Test
    void roundZeroStartsFromTheNamedAdapter() throws Exception {
        LoraConfig lora = new LoraConfig(Payloads.RANK, Payloads.ALPHA, List.of(LoraTarget.Q, LoraTarget.V));
        Path dir = peft(lora, 0.125f);
        registerWorker("warm-start-worker");
        ObjectNode spec = spec("warm-start");
        spec.putObject("initialAdapter").put("path", dir.toString());
        UUID id = submit(spec);
        awaitExperiment(id, "RUNNING", e -> e.get("status").asString().equals("RUNNING"));
        NamedTensors v0 = SafeTensors.read(getBytes("/api/v1/experiments/" + id + "/adapters/0").body());
        NamedTensors expected = PeftAdapter.readDirectory(dir, ModelCatalog.config(Payloads.MODEL)).tensors();
        assertThat(v0.names()).isEqualTo(expected.names());
        assertThat(v0.flatten()).containsExactly(expected.flatten());
        assertThat(v0.get(LoraAdapter.name(0, LoraTarget.Q, 'B')).data()).containsOnly(0.125f);
    }

    @Test
    void aWrongOrMissingOrForeignAdapterIsRefusedAtSubmit() throws Exception {
        Path otherRank = peft(new LoraConfig(Payloads.RANK * 2, Payloads.ALPHA, List.of(LoraTarget.Q, LoraTarget.V)), 0f);
        for (String path : List.of(otherRank.toString(), otherRank.resolve("nowhere").toString(), "/etc")) {
            ObjectNode spec = spec("bad-warm-start");
            spec.putObject("initialAdapter").put("path", path);
            var problem = assertProblem(post("/api/v1/experiments", spec), 400);
            assertThat(problem.get("errors").get(0).get("field").asString()).as(path).isEqualTo("initialAdapter.path");
        }
    }
}
