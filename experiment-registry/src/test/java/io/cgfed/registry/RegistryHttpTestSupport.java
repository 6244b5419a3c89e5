package io.cgfed.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.service.support.security.Secrets;
import io.cgfed.testing.SharedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The registry booted on a random port against the shared embedded PostgreSQL and a fake
 * coordinator, with the HTTP and JSON helpers its tests share. One base class, so every test class
 * reuses one application context. Access as in production: the admin key and the registry key (the
 * coordinator's) are this JVM's random secrets.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class RegistryHttpTestSupport {
    protected static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    protected static final JsonMapper JSON = JsonMapper.builder().build();
    /** This JVM's secrets, as the environment would give them. */
    protected static final String ADMIN_KEY = Secrets.generate("cgfed_");
    protected static final String REGISTRY_KEY = Secrets.generate("cgfr_");
    /** The coordinator the registry fetches adapter versions from; it wants the registry key. */
    protected static final FakeCoordinator COORDINATOR = FakeCoordinator.start(REGISTRY_KEY);

    @DynamicPropertySource
    protected static void db(DynamicPropertyRegistry r) {
        SharedPostgres.register(r);
        r.add("cgfed.registry.coordinator-url", COORDINATOR::url);
        r.add("cgfed.security.admin-api-key", () -> ADMIN_KEY);
        r.add("cgfed.security.registry-api-key", () -> REGISTRY_KEY);
        // below Tomcat's 2 MB swallow size, so that an oversize test body is drained and its 413 read
        r.add("cgfed.limits.max-json-body", () -> "1MB");
    }

    @LocalServerPort
    protected int port;

    @Autowired
    protected JdbcClient jdbc;

    // ---------------------------------------------------------------- helpers

    protected UUID created() throws Exception {
        UUID id = UUID.randomUUID();
        assertThat(send("POST", "/api/v1/experiments", experiment(id, "RUNNING", spec(), Map.of())).statusCode())
                .isEqualTo(200);
        return id;
    }

    protected static Map<String, Object> spec() {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("model", "tiny-llama");
        spec.put("rounds", 3);
        spec.put("clients", 4);
        spec.put("learningRate", 0.001);
        spec.put("lora", Map.of("rank", 4, "alpha", 8, "targets", List.of("q_proj", "v_proj")));
        spec.put("codec", Map.of("name", "fp16", "settings", Map.of()));
        return spec;
    }

    protected static ObjectNode experiment(UUID id, String status, Map<String, Object> spec, Map<String, Object> summary) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id.toString());
        n.put("name", "lora-fp16-" + id);
        n.put("status", status);
        n.put("codec", "fp16");
        n.set("spec", JSON.valueToTree(spec));
        n.set("summary", JSON.valueToTree(summary));
        return n;
    }

    protected static ObjectNode round(int round, int clients, Double trainLoss, Double evalLoss, Double accuracy,
                                    long uploadBytes, long rawUpdateBytes, long durationMs, Map<String, Object> metrics) {
        ObjectNode n = JSON.createObjectNode();
        n.put("round", round);
        n.put("clients", clients);
        n.put("trainLoss", trainLoss);
        n.put("evalLoss", evalLoss);
        n.put("accuracy", accuracy);
        n.put("uploadBytes", uploadBytes);
        n.put("rawUpdateBytes", rawUpdateBytes);
        n.put("durationMs", durationMs);
        n.set("metrics", JSON.valueToTree(metrics));
        return n;
    }

    protected static String rounds(UUID id, int round) {
        return "/api/v1/experiments/" + id + "/rounds/" + round;
    }

    /** Reads go without credentials (open by default), changes as the coordinator does: with the registry key. */
    protected HttpResponse<String> send(String method, String path, JsonNode body) throws Exception {
        return send(method, path, body, method.equals("GET") ? null : "Bearer " + REGISTRY_KEY);
    }

    /** @param authorization the Authorization header, or null for none */
    protected HttpResponse<String> send(String method, String path, JsonNode body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    protected static JsonNode problem(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/problem+json"));
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.path("status").asInt()).isEqualTo(status);
        assertThat(p.path("detail").asString()).isNotBlank();
        return p;
    }

    protected static List<String> fields(JsonNode problem) {
        List<String> out = new ArrayList<>();
        problem.path("errors").forEach(e -> out.add(e.path("field").asString()));
        return out;
    }
}
