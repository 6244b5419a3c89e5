package io.cgfed.coordinator.adapter;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.model.PeftAdapter;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** GET /api/v1/experiments/{id}/adapters/{version}/peft: a global adapter as a PEFT directory, zipped. */
class PeftDownloadTest extends CoordinatorApiTestBase {

    @Test
    void adapterVersionZeroDownloadsAsThePeftFilesWithTheRawAdaptersTensors() throws IOException {
        ObjectNode spec = spec("peft-download");
        ((ObjectNode) spec.get("lora")).put("dropout", 0.1);
        Running run = startExperiment(spec, 2);
        assertThat(adapterVersions(experiment(run.id()))).contains(0);

        HttpResponse<byte[]> r = getBytes("/api/v1/experiments/" + run.id() + "/adapters/0/peft");

        assertStatus(r, 200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/zip");
        assertThat(r.headers().firstValue("Content-Disposition")).hasValueSatisfying(cd -> assertThat(cd)
                .startsWith("attachment").contains("adapter-" + run.id() + "-v0-peft.zip"));
        Map<String, byte[]> files = unzip(r.body());
        assertThat(files.keySet()).containsExactlyInAnyOrder("adapter_config.json", "adapter_model.safetensors");

        JsonNode config = JSON.readTree(files.get("adapter_config.json"));
        assertThat(config.get("peft_type").asString()).isEqualTo("LORA");
        assertThat(config.get("task_type").asString()).isEqualTo("CAUSAL_LM");
        assertThat(config.get("base_model_name_or_path").asString()).isEqualTo(Payloads.MODEL);
        assertThat(config.get("r").asInt()).isEqualTo(Payloads.RANK);
        assertThat(config.get("lora_alpha").asDouble()).isEqualTo(Payloads.ALPHA);
        assertThat(config.get("lora_dropout").asDouble()).isEqualTo(0.1);
        assertThat(config.get("target_modules").valueStream().map(JsonNode::asString))
                .containsExactly("q_proj", "v_proj");
        assertThat(config.get("bias").asString()).isEqualTo("none");
        assertThat(config.get("inference_mode").asBoolean()).isTrue();

        SafeTensors.Parsed weights = SafeTensors.parse(files.get("adapter_model.safetensors"));
        assertThat(weights.metadata()).isEqualTo(Map.of("format", "pt"));
        NamedTensors raw = adapter(run.id(), 0);
        assertThat(weights.tensors().names()).containsExactlyElementsOf(raw.names());
        raw.forEach((name, t) -> {
            assertThat(weights.tensors().get(name).shape()).as(name).containsExactly(t.shape());
            assertThat(weights.tensors().get(name).data()).as(name).containsExactly(t.data());
        });

        PeftAdapter read = PeftAdapter.readZip(r.body(), ModelCatalog.config(Payloads.MODEL));
        assertThat(read.lora().targets()).containsExactly(LoraTarget.Q, LoraTarget.V);
        assertThat(read.lora().dropout()).isEqualTo(0.1);
        assertThat(getBytes("/api/v1/experiments/" + run.id() + "/adapters/0/peft").body())
                .as("the same version downloads as the same bytes").isEqualTo(r.body());
    }

    @Test
    void unknownVersionsAndExperimentsAreNotFoundProblems() {
        UUID pending = submit(spec("peft-no-adapter"));
        JsonNode p = assertProblem(get("/api/v1/experiments/" + pending + "/adapters/0/peft"), 404);
        assertThat(p.get("detail").asString()).contains("version 0");

        Running run = startExperiment(spec("peft-missing-version"), 2);
        JsonNode missing = assertProblem(get("/api/v1/experiments/" + run.id() + "/adapters/7/peft"), 404);
        assertThat(missing.get("detail").asString()).contains("version 7");

        UUID unknown = UUID.randomUUID();
        JsonNode none = assertProblem(get("/api/v1/experiments/" + unknown + "/adapters/0/peft"), 404);
        assertThat(none.get("detail").asString()).contains(unknown.toString());
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }
}
