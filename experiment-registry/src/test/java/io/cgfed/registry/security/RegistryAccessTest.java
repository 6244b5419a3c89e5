package io.cgfed.registry.security;

import io.cgfed.registry.RegistryHttpTestSupport;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.service.support.security.Secrets;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Records are written with a key (the coordinator's, CGFED_REGISTRY_API_KEY): without one, with a
 * wrong, revoked or read-only one, or with a body over the limit, the answer is a 4xx problem and
 * nothing is stored. Reads stay open by default; probes always.
 */
class RegistryAccessTest extends RegistryHttpTestSupport {

    boolean stored(UUID id) {
        return jdbc.sql("SELECT count(*) FROM experiments WHERE id = :id").param("id", id).query(Long.class).single() > 0;
    }

    long roundsOf(UUID id) {
        return jdbc.sql("SELECT count(*) FROM rounds WHERE experiment_id = :id").param("id", id).query(Long.class).single();
    }

    JsonNode createKey(String name, String role) throws Exception {
        HttpResponse<String> r = send("POST", "/api/v1/api-keys", JSON.createObjectNode().put("name", name).put("role", role),
                "Bearer " + ADMIN_KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body());
    }

    @Test
    void aRecordWithoutAKeyIsRefusedAndNotStored() throws Exception {
        UUID id = UUID.randomUUID();

        JsonNode p = problem(send("POST", "/api/v1/experiments", experiment(id, "RUNNING", spec(), Map.of()), null), 401);

        assertThat(p.path("detail").asString()).contains("API key");
        assertThat(stored(id)).isFalse();
    }

    @Test
    void aRoundWithoutOrWithAWrongKeyIsRefusedAndNotStored() throws Exception {
        UUID id = created();
        ObjectNode round = round(1, 2, 1.0, 1.0, 0.5, 10, 20, 30, Map.of());

        problem(send("PUT", rounds(id, 1), round, null), 401);
        problem(send("PUT", rounds(id, 1), round, "Bearer " + Secrets.generate("cgfr_")), 401);
        problem(send("PUT", rounds(id, 1), round, "Token " + REGISTRY_KEY), 401);

        assertThat(roundsOf(id)).isZero();
    }

    @Test
    void aRevokedKeyIsRefusedAtOnce() throws Exception {
        JsonNode created = createKey("backfill", "USER");
        String key = created.path("key").asString();
        UUID first = UUID.randomUUID();
        assertThat(send("POST", "/api/v1/experiments", experiment(first, "RUNNING", spec(), Map.of()), "Bearer " + key)
                .statusCode()).isEqualTo(200);

        assertThat(send("DELETE", "/api/v1/api-keys/" + created.path("id").asString(), null, "Bearer " + ADMIN_KEY)
                .statusCode()).isEqualTo(204);

        UUID second = UUID.randomUUID();
        assertThat(problem(send("POST", "/api/v1/experiments", experiment(second, "RUNNING", spec(), Map.of()),
                "Bearer " + key), 401).path("detail").asString()).contains("revoked");
        assertThat(stored(first)).isTrue();
        assertThat(stored(second)).isFalse();
    }

    @Test
    void aReaderKeyReadsButWritesNothing() throws Exception {
        String key = createKey("dashboard", "READER").path("key").asString();
        UUID id = UUID.randomUUID();

        problem(send("POST", "/api/v1/experiments", experiment(id, "RUNNING", spec(), Map.of()), "Bearer " + key), 403);

        assertThat(send("GET", "/api/v1/experiments", null, "Bearer " + key).statusCode()).isEqualTo(200);
        assertThat(stored(id)).isFalse();
    }

    @Test
    void onlyTheAdminManagesKeys() throws Exception {
        long keys = jdbc.sql("SELECT count(*) FROM api_keys").query(Long.class).single();

        problem(send("POST", "/api/v1/api-keys", JSON.createObjectNode().put("name", "escalated").put("role", "ADMIN"),
                "Bearer " + REGISTRY_KEY), 403);
        problem(send("GET", "/api/v1/api-keys", null, null), 401);

        assertThat(jdbc.sql("SELECT count(*) FROM api_keys").query(Long.class).single()).isEqualTo(keys);
        assertThat(jdbc.sql("SELECT string_agg(t::text, ' ') FROM api_keys t").query(String.class).single())
                .doesNotContain(ADMIN_KEY).doesNotContain(REGISTRY_KEY).contains(Secrets.sha256(REGISTRY_KEY));
    }

    @Test
    void anOversizeRecordIsRefusedBeforeItIsRead() throws Exception {
        UUID id = UUID.randomUUID();
        ObjectNode big = experiment(id, "RUNNING", spec(), Map.of("padding", "x".repeat((1 << 20) + 100_000)));

        assertThat(problem(send("POST", "/api/v1/experiments", big), 413).path("detail").asString()).contains("exceeds");

        assertThat(stored(id)).isFalse();
    }

    @Test
    void anOversizeRoundStreamedWithoutALengthIsCutOffAtTheLimit() throws Exception {
        UUID id = created();
        byte[] body = JSON.writeValueAsBytes(round(1, 2, 1.0, 1.0, 0.5, 10, 20, 30,
                Map.of("padding", "x".repeat((1 << 20) + 100_000))));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + rounds(id, 1)))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + REGISTRY_KEY)
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());

        problem(r, 413);
        assertThat(roundsOf(id)).isZero();
    }

    @Test
    void aMalformedRecordIsA400AndStoresNothing() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/api/v1/experiments")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + REGISTRY_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\": \"" + UUID.randomUUID() + "\", \"spec\": {")).build(),
                HttpResponse.BodyHandlers.ofString());

        problem(r, 400);
    }

    @Test
    void readsAndProbesNeedNoCredentials() throws Exception {
        UUID id = created();

        assertThat(send("GET", "/api/v1/experiments/" + id, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/actuator/health/readiness", null).statusCode()).isEqualTo(200);
        problem(send("GET", "/api/v1/experiments/" + id, null, "Bearer " + Secrets.generate("cgfed_")), 401);
    }
}
