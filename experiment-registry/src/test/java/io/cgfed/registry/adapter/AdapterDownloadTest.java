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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Adapter versions listed and downloaded as PEFT zips through the registry, from a fake coordinator. */
class AdapterDownloadTest extends RegistryHttpTestSupport {
    private static final LoraConfig LORA = new LoraConfig(2, 4, List.of(LoraTarget.Q, LoraTarget.V));

    private static FakeCoordinator.Version version(long seed) {
        NamedTensors adapter = LoraAdapter.initialise(ModelCatalog.config("micro-llama"), LORA, seed);
        byte[] zip = PeftAdapter.of("micro-llama", ModelCatalog.config("micro-llama"), LORA, adapter).toZip();
        return new FakeCoordinator.Version(SafeTensors.write(adapter), zip);
    }

    /** With a key: model weights need one even where reads are open. */
    private HttpResponse<byte[]> download(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + ADMIN_KEY).timeout(Duration.ofSeconds(30)).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Without an Accept header, as curl asks; with a key. */
    private HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + ADMIN_KEY).timeout(Duration.ofSeconds(30)).GET();
        if (accept != null) {
            request.header("Accept", accept);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void listsEveryAdapterVersionTheCoordinatorHolds() throws Exception {
        UUID id = UUID.randomUUID();
        FakeCoordinator.Version v0 = version(1);
        FakeCoordinator.Version v1 = version(2);
        COORDINATOR.experiment(id, Map.of(0, v0, 1, v1));

        HttpResponse<String> r = send("GET", "/api/v1/experiments/" + id + "/adapters", null);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode list = JSON.readTree(r.body());
        assertThat(list).hasSize(2);
        assertThat(list.get(0).propertyNames()).containsExactly("version", "sha256", "bytes");
        assertThat(list.get(0).get("version").asInt()).isZero();
        assertThat(list.get(0).get("sha256").asString()).isEqualTo(FakeCoordinator.sha256(v0.raw()));
        assertThat(list.get(0).get("bytes").asLong()).isEqualTo(v0.raw().length);
        assertThat(list.get(1).get("version").asInt()).isEqualTo(1);
        assertThat(list.get(1).get("sha256").asString()).isEqualTo(FakeCoordinator.sha256(v1.raw()));
        assertThat(COORDINATOR.requests()).contains("GET /api/v1/experiments/" + id);

        UUID empty = UUID.randomUUID();
        COORDINATOR.experiment(empty, Map.of());
        HttpResponse<String> none = send("GET", "/api/v1/experiments/" + empty + "/adapters", null);
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(none.body())).isEmpty();
    }

    @Test
    void streamsTheCoordinatorsPeftZipThrough() throws Exception {
        UUID id = UUID.randomUUID();
        FakeCoordinator.Version v1 = version(5);
        COORDINATOR.experiment(id, Map.of(0, version(4), 1, v1));

        HttpResponse<byte[]> r = download("/api/v1/experiments/" + id + "/adapters/1/peft");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/zip");
        assertThat(r.headers().firstValue("Content-Disposition"))
                .hasValue("attachment; filename=\"adapter-" + id + "-v1-peft.zip\"");
        assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(v1.zip().length);
        assertThat(r.body()).isEqualTo(v1.zip());
        PeftAdapter read = PeftAdapter.readZip(r.body(), ModelCatalog.config("micro-llama"));
        assertThat(read.lora()).isEqualTo(LORA);
        assertThat(read.baseModel()).isEqualTo("micro-llama");
        assertThat(COORDINATOR.requests()).contains("GET /api/v1/experiments/" + id + "/adapters/1/peft");
    }

    @Test
    void weightsNeedAKeyEvenWhereReadsAreOpen() throws Exception {
        UUID id = UUID.randomUUID();
        COORDINATOR.experiment(id, Map.of(0, version(4)));
        for (String path : new String[] {"/adapters/0", "/adapters/0/peft", "/codec-versions/1/weights"}) {
            HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                    + "/api/v1/experiments/" + id + path)).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
            assertThat(anonymous.body()).as(path).contains("open-weight-reads");
        }
        HttpResponse<String> listing = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/api/v1/experiments/" + id + "/adapters")).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(listing.statusCode()).as("the listing is an open read").isEqualTo(200);
        assertThat(download("/api/v1/experiments/" + id + "/adapters/0").statusCode()).isEqualTo(200);
    }

    @Test
    void whatTheCoordinatorDoesNotKnowIsA404Problem() throws Exception {
        UUID unknown = UUID.randomUUID();
        JsonNode list = problem(send("GET", "/api/v1/experiments/" + unknown + "/adapters", null), 404);
        assertThat(list.get("detail").asString()).isEqualTo("no experiment " + unknown);
        JsonNode zip = problem(get("/api/v1/experiments/" + unknown + "/adapters/0/peft", null), 404);
        assertThat(zip.get("detail").asString()).contains(unknown.toString());

        UUID id = UUID.randomUUID();
        COORDINATOR.experiment(id, Map.of(0, version(1)));
        JsonNode version = problem(get("/api/v1/experiments/" + id + "/adapters/3/peft", "application/zip"), 404);
        assertThat(version.get("detail").asString()).isEqualTo("experiment " + id + " has no adapter version 3");
    }

    @Test
    void aCoordinatorThatFailsIsA502Problem() throws Exception {
        UUID id = UUID.randomUUID();
        COORDINATOR.experiment(id, Map.of(0, version(1)));
        COORDINATOR.failing(id);

        JsonNode list = problem(send("GET", "/api/v1/experiments/" + id + "/adapters", null), 502);
        assertThat(list.get("detail").asString()).contains("coordinator answered 500");
        JsonNode zip = problem(get("/api/v1/experiments/" + id + "/adapters/0/peft", null), 502);
        assertThat(zip.get("detail").asString()).contains("coordinator answered 500");
    }

    @Test
    void anUnreachableCoordinatorIsA502Problem() throws Exception {
        UUID id = UUID.randomUUID();
        COORDINATOR.experiment(id, Map.of(0, version(1)));
        COORDINATOR.down();
        try {
            JsonNode list = problem(send("GET", "/api/v1/experiments/" + id + "/adapters", null), 502);
            assertThat(list.get("detail").asString()).contains("cannot be reached").contains(COORDINATOR.url());
            JsonNode zip = problem(get("/api/v1/experiments/" + id + "/adapters/0/peft", null), 502);
            assertThat(zip.get("detail").asString()).contains("cannot be reached");
        } finally {
            COORDINATOR.up();
        }
        assertThat(download("/api/v1/experiments/" + id + "/adapters/0/peft").statusCode())
                .as("served again once the coordinator is back").isEqualTo(200);
    }

    @Test
    void anUnconvertibleVersionIsA400Problem() throws Exception {
        problem(get("/api/v1/experiments/" + UUID.randomUUID() + "/adapters/latest/peft", null), 400);
        problem(send("GET", "/api/v1/experiments/not-a-uuid/adapters", null), 400);
    }
}
