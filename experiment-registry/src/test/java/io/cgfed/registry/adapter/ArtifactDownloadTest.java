package io.cgfed.registry.adapter;

import io.cgfed.registry.FakeCoordinator;
import io.cgfed.registry.RegistryHttpTestSupport;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.model.PeftAdapter;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An experiment's artifacts: every adapter version and every READY codec version, with size and
 * SHA-256, and each download streamed through from the coordinator with exactly those bytes.
 */
class ArtifactDownloadTest extends RegistryHttpTestSupport {
    private static final LoraConfig LORA = new LoraConfig(2, 4, List.of(LoraTarget.Q, LoraTarget.V));

    private static FakeCoordinator.Version adapter(long seed) {
        NamedTensors adapter = LoraAdapter.initialise(ModelCatalog.config("micro-llama"), LORA, seed);
        byte[] zip = PeftAdapter.of("micro-llama", ModelCatalog.config("micro-llama"), LORA, adapter).toZip();
        return new FakeCoordinator.Version(SafeTensors.write(adapter), zip);
    }

    private static byte[] weights(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private HttpResponse<byte[]> download(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Without an Accept header, as curl asks. */
    private HttpResponse<String> asCurl(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private UUID recorded(String codec) throws Exception {
        UUID id = UUID.randomUUID();
        ObjectNode e = experiment(id, "COMPLETED", spec(), Map.of());
        e.put("codec", codec);
        assertThat(send("POST", "/api/v1/experiments", e).statusCode()).isEqualTo(200);
        return id;
    }

    @Test
    void listsAdapterAndCodecVersionsWithSizeAndDigestAndStreamsThem() throws Exception {
        UUID id = recorded("cgae");
        FakeCoordinator.Version v0 = adapter(1);
        FakeCoordinator.Version v1 = adapter(2);
        COORDINATOR.experiment(id, Map.of(0, v0, 1, v1));
        byte[] codec1 = weights(70_000, 1);
        byte[] codec2 = weights(70_001, 2);
        Map<Integer, byte[]> codecs = new HashMap<>();
        codecs.put(1, codec1);
        codecs.put(2, codec2);
        codecs.put(3, null); // still training: no weights, not listed
        COORDINATOR.codecVersions(id, codecs);

        HttpResponse<String> r = send("GET", "/api/v1/experiments/" + id + "/artifacts", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode list = JSON.readTree(r.body());
        assertThat(list).hasSize(4);
        assertThat(list.get(0).propertyNames()).containsExactly("kind", "version", "bytes", "sha256", "downloadUrl",
                "peftUrl", "origin");
        Map<String, byte[]> expected = Map.of("ADAPTER 0", v0.raw(), "ADAPTER 1", v1.raw(), "CODEC 1", codec1,
                "CODEC 2", codec2);
        List<String> seen = new java.util.ArrayList<>();
        for (JsonNode a : list) {
            String key = a.path("kind").asString() + " " + a.path("version").asInt();
            seen.add(key);
            byte[] bytes = expected.get(key);
            assertThat(a.path("bytes").asLong()).as(key).isEqualTo(bytes.length);
            assertThat(a.path("sha256").asString()).as(key).isEqualTo(FakeCoordinator.sha256(bytes));
            HttpResponse<byte[]> file = download(a.path("downloadUrl").asString());
            assertThat(file.statusCode()).as(key).isEqualTo(200);
            assertThat(file.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
            assertThat(FakeCoordinator.sha256(file.body())).as(key + ": the bytes the listing describes")
                    .isEqualTo(a.path("sha256").asString());
            assertThat(file.headers().firstValueAsLong("Content-Length")).hasValue(bytes.length);
        }
        assertThat(seen).containsExactly("ADAPTER 0", "ADAPTER 1", "CODEC 1", "CODEC 2");
        assertThat(list.get(2).path("origin").asString()).isEqualTo("TGAP");
        assertThat(list.get(3).path("origin").asString()).isEqualTo("FAF");
        assertThat(list.get(2).path("peftUrl").isNull()).isTrue();
        assertThat(list.get(0).path("downloadUrl").asString()).isEqualTo("/api/v1/experiments/" + id + "/adapters/0");
        assertThat(list.get(2).path("downloadUrl").asString())
                .isEqualTo("/api/v1/experiments/" + id + "/codec-versions/1/weights");

        HttpResponse<byte[]> peft = download(list.get(1).path("peftUrl").asString());
        assertThat(peft.statusCode()).isEqualTo(200);
        assertThat(peft.body()).isEqualTo(v1.zip());
        HttpResponse<byte[]> codec = download("/api/v1/experiments/" + id + "/codec-versions/2/weights");
        assertThat(codec.body()).isEqualTo(codec2);
        assertThat(codec.headers().firstValue("Content-Disposition"))
                .hasValue("attachment; filename=\"codec-" + id + "-v2.safetensors\"");
        assertThat(COORDINATOR.requests()).contains("GET /api/v1/experiments/" + id + "/codec-versions/2/encoder");
    }

    @Test
    void aCodecThatLearnsNothingHasOnlyAdapters() throws Exception {
        UUID id = recorded("fp16");
        COORDINATOR.experiment(id, Map.of(0, adapter(3)));
        JsonNode list = JSON.readTree(send("GET", "/api/v1/experiments/" + id + "/artifacts", null).body());
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("kind").asString()).isEqualTo("ADAPTER");
        assertThat(COORDINATOR.requests()).doesNotContain("GET /api/v1/experiments/" + id + "/codec-versions");
    }

    @Test
    void unknownIdsAndVersionsAreProblems() throws Exception {
        UUID unknown = UUID.randomUUID();
        assertThat(problem(send("GET", "/api/v1/experiments/" + unknown + "/artifacts", null), 404)
                .path("detail").asString()).isEqualTo("no experiment " + unknown);
        problem(send("GET", "/api/v1/experiments/nope/artifacts", null), 400);

        UUID id = recorded("cgae");
        COORDINATOR.experiment(id, Map.of(0, adapter(4)));
        Map<Integer, byte[]> codecs = new HashMap<>();
        codecs.put(1, null);
        COORDINATOR.codecVersions(id, codecs);
        assertThat(JSON.readTree(send("GET", "/api/v1/experiments/" + id + "/artifacts", null).body())).hasSize(1);
        assertThat(problem(asCurl("/api/v1/experiments/" + id + "/codec-versions/1/weights"), 409)
                .path("detail").asString()).contains("no weights yet");
        problem(asCurl("/api/v1/experiments/" + id + "/codec-versions/7/weights"), 404);
        problem(asCurl("/api/v1/experiments/" + id + "/adapters/9"), 404);
        problem(asCurl("/api/v1/experiments/" + id + "/codec-versions/latest/weights"), 400);
    }
}
