package io.cgfed.coordinator.security;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.service.support.security.Secrets;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Users' changes need an API key: without one, with a wrong or revoked one, or with one whose role
 * does not reach, the answer is a 401 or 403 problem and nothing changes. Keys are kept hashed and
 * shown once.
 */
class ApiKeyAccessTest extends CoordinatorApiTestBase {

    HttpResponse<String> submitWith(String authorization, String name) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + "/api/v1/experiments"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(JSON.writeValueAsString(spec(name))));
        return send(authorization == null ? b : b.header("Authorization", authorization));
    }

    long experimentsNamed(String name) {
        return jdbc.queryForObject("SELECT count(*) FROM coordinator.experiments WHERE name = ?", Long.class, name);
    }

    /** A key made by the admin through the API: {id, key}. */
    JsonNode createKey(String name, String role) {
        HttpResponse<String> r = post("/api/v1/api-keys", JSON.createObjectNode().put("name", name).put("role", role));
        assertStatus(r, 201);
        return json(r);
    }

    @Test
    void aSubmissionWithoutAKeyIsRefusedAndStoresNothing() {
        JsonNode p = assertProblem(submitWith(null, "no-key"), 401);

        assertThat(p.get("detail").asString()).contains("API key").contains("Authorization: Bearer");
        assertThat(experimentsNamed("no-key")).isZero();
    }

    @Test
    void theRefusalSaysHowToAuthenticate() {
        HttpResponse<String> r = submitWith(null, "no-key-header");

        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    }

    @Test
    void aWrongKeyOrAMalformedHeaderIsRefusedAndStoresNothing() {
        assertThat(assertProblem(submitWith("Bearer " + Secrets.generate("cgfed_"), "wrong-key"), 401)
                .get("detail").asString()).contains("not valid");
        assertProblem(submitWith("Basic " + ADMIN_KEY, "wrong-key"), 401);
        assertProblem(submitWith("Bearer ", "wrong-key"), 401);
        assertProblem(submitWith(ADMIN_KEY, "wrong-key"), 401);

        assertThat(experimentsNamed("wrong-key")).isZero();
    }

    @Test
    void aCancelWithoutAKeyIsRefusedAndTheExperimentGoesOn() {
        UUID id = submit(spec("cancel-without-key"));

        assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/experiments/" + id + "/cancel"))
                .POST(BodyPublishers.noBody())), 401);

        assertThat(experiment(id).get("status").asString()).isIn("PENDING", "RUNNING");
    }

    @Test
    void aUserKeyMadeByTheAdminWorksUntilItIsRevokedAndThenAtOnceNoLonger() {
        JsonNode created = createKey("alice", "USER");
        String key = created.get("key").asString();
        assertThat(created.get("role").asString()).isEqualTo("USER");
        assertStatus(submitWith("Bearer " + key, "alice-1"), 201);

        assertStatus(send(asAdmin(HttpRequest.newBuilder(URI.create(base() + "/api/v1/api-keys/"
                + created.get("id").asString())).DELETE())), 204);

        JsonNode p = assertProblem(submitWith("Bearer " + key, "alice-2"), 401);
        assertThat(p.get("detail").asString()).contains("revoked");
        assertThat(experimentsNamed("alice-1")).isOne();
        assertThat(experimentsNamed("alice-2")).isZero();
        // revoking again is harmless; an unknown key is a 404
        assertStatus(send(asAdmin(HttpRequest.newBuilder(URI.create(base() + "/api/v1/api-keys/"
                + created.get("id").asString())).DELETE())), 204);
        assertProblem(send(asAdmin(HttpRequest.newBuilder(URI.create(base() + "/api/v1/api-keys/" + UUID.randomUUID()))
                .DELETE())), 404);
    }

    @Test
    void aReaderKeyReadsButChangesNothing() {
        String key = createKey("dashboard", "READER").get("key").asString();

        assertThat(assertProblem(submitWith("Bearer " + key, "by-reader"), 403).get("detail").asString())
                .contains("READER");
        assertStatus(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/experiments"))
                .header("Authorization", "Bearer " + key).GET()), 200);
        assertThat(experimentsNamed("by-reader")).isZero();
    }

    @Test
    void aKeyShowsWhoItIsToItsHolderIfItMayChangeThings() {
        JsonNode alice = createKey("alice-self", "USER");
        String reader = createKey("reader-self", "READER").get("key").asString();

        HttpResponse<String> mine = selfWith("Bearer " + alice.get("key").asString());
        assertStatus(mine, 200);
        JsonNode self = json(mine);
        assertThat(self.get("id").asString()).isEqualTo(alice.get("id").asString());
        assertThat(self.get("name").asString()).isEqualTo("alice-self");
        assertThat(self.get("role").asString()).isEqualTo("USER");
        assertThat(self.has("key")).as("never the secret").isFalse();
        HttpResponse<String> admin = selfWith("Bearer " + ADMIN_KEY);
        assertStatus(admin, 200);
        assertThat(json(admin).get("role").asString()).isEqualTo("ADMIN");
        assertProblem(selfWith("Bearer " + reader), 403);
        assertProblem(selfWith(null), 401);
        assertProblem(selfWith("Bearer " + Secrets.generate("cgfed_")), 401);

        assertStatus(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/api-keys/" + alice.get("id").asString()))
                .header("Authorization", "Bearer " + ADMIN_KEY).DELETE()), 204);
        assertProblem(selfWith("Bearer " + alice.get("key").asString()), 401);
    }

    private HttpResponse<String> selfWith(String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + "/api/v1/api-keys/self")).GET();
        return send(authorization == null ? b : b.header("Authorization", authorization));
    }

    @Test
    void onlyAnAdminManagesKeysAndRevokesWorkers() {
        String user = createKey("bob", "USER").get("key").asString();
        long keys = jdbc.queryForObject("SELECT count(*) FROM coordinator.api_keys", Long.class);
        UUID worker = registerWorker("not-revoked-by-a-user");

        assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/api-keys"))
                .header("Authorization", "Bearer " + user).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"name\":\"escalated\",\"role\":\"ADMIN\"}"))), 403);
        assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/api-keys"))
                .header("Authorization", "Bearer " + user).GET()), 403);
        assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/api-keys"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"name\":\"anonymous\"}"))), 401);
        assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/workers/" + worker + "/revoke"))
                .header("Authorization", "Bearer " + user).POST(BodyPublishers.noBody())), 403);

        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.api_keys", Long.class)).isEqualTo(keys);
        assertThat(jdbc.queryForObject("SELECT revoked_at IS NULL FROM coordinator.workers WHERE id = ?", Boolean.class,
                worker)).isTrue();
    }

    @Test
    void keysAreKeptAsTheirHashAndShownOnlyWhenCreated() {
        JsonNode created = createKey("carol", "USER");
        String key = created.get("key").asString();

        String stored = jdbc.queryForObject("SELECT key_sha256 FROM coordinator.api_keys WHERE id = ?", String.class,
                UUID.fromString(created.get("id").asString()));
        assertThat(stored).isEqualTo(Secrets.sha256(key)).doesNotContain(key);
        String everyKeyRow = jdbc.queryForObject("SELECT string_agg(t::text, ' ') FROM coordinator.api_keys t", String.class);
        assertThat(everyKeyRow).doesNotContain(key).doesNotContain(ADMIN_KEY).doesNotContain(REGISTRY_KEY);
        assertThat(everyKeyRow).contains(Secrets.sha256(ADMIN_KEY));

        HttpResponse<String> list = send(asAdmin(HttpRequest.newBuilder(URI.create(base() + "/api/v1/api-keys")).GET()));
        assertStatus(list, 200);
        assertThat(list.body()).doesNotContain(key).doesNotContain(ADMIN_KEY).doesNotContain("sha256");
        assertThat(json(list).findValuesAsString("name")).contains("carol", "CGFED_ADMIN_API_KEY", "CGFED_REGISTRY_API_KEY");
    }

    @Test
    void aKeyNeedsANameAndAKnownRole() {
        long keys = jdbc.queryForObject("SELECT count(*) FROM coordinator.api_keys", Long.class);

        assertThat(assertProblem(post("/api/v1/api-keys", "{\"name\":\" \"}"), 400).get("errors").get(0).get("field")
                .asString()).isEqualTo("name");
        assertProblem(post("/api/v1/api-keys", "{\"name\":\"x\",\"role\":\"ROOT\"}"), 400);

        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.api_keys", Long.class)).isEqualTo(keys);
    }

    @Test
    void theRegistryKeyReadsButChangesNothingHere() {
        assertStatus(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/experiments"))
                .header("Authorization", "Bearer " + REGISTRY_KEY).GET()), 200);
        assertProblem(submitWith("Bearer " + REGISTRY_KEY, "by-registry"), 403);
        assertThat(experimentsNamed("by-registry")).isZero();
    }

    @Test
    void readsAreOpenByDefaultButACredentialSentMustBeValid() {
        assertStatus(get("/api/v1/experiments"), 200);

        assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/experiments"))
                .header("Authorization", "Bearer " + Secrets.generate("cgfed_")).GET()), 401);
    }

    @Test
    void theCoordinatorSendsItsRecordsToTheRegistryWithTheRegistryKey() {
        UUID id = submit(spec("synced-with-key"));

        awaitExperiment(id, "recorded in the registry", e -> PEERS.registryExperiment(id) != null);
        assertThat(PEERS.registryRefusals()).isZero();
    }

    @Test
    void healthProbesNeedNoCredentials() {
        assertStatus(get("/actuator/health/readiness"), 200);
        assertStatus(get("/actuator/health/liveness"), 200);
    }
}
