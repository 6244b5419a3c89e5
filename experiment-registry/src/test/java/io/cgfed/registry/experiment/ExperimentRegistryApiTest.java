package io.cgfed.registry.experiment;

import io.cgfed.registry.RegistryHttpTestSupport;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.testing.SharedPostgres;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** experiment-registry over real HTTP against a real PostgreSQL migrated by Flyway. */
class ExperimentRegistryApiTest extends RegistryHttpTestSupport {

    // ---------------------------------------------------------------- experiments

    @Test
    void recordsAnExperimentAndUpsertsItKeepingCreatedAt() throws Exception {
        UUID id = UUID.randomUUID();
        Map<String, Object> spec = spec();
        HttpResponse<String> first = send("POST", "/api/v1/experiments", experiment(id, "CREATED", spec, Map.of()));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode stored = JSON.readTree(first.body());
        assertThat(stored.path("id").asString()).isEqualTo(id.toString());
        assertThat(stored.path("name").asString()).isEqualTo("lora-fp16-" + id);
        assertThat(stored.path("status").asString()).isEqualTo("CREATED");
        assertThat(stored.path("codec").asString()).isEqualTo("fp16");
        assertThat(stored.path("spec")).isEqualTo(JSON.valueToTree(spec));
        assertThat(stored.path("summary").isObject()).isTrue();
        assertThat(stored.path("summary").isEmpty()).isTrue();
        Instant createdAt = Instant.parse(stored.path("createdAt").asString());
        Instant updatedAt = Instant.parse(stored.path("updatedAt").asString());
        assertThat(createdAt).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));

        Map<String, Object> summary = Map.of("bestAccuracy", 0.75, "roundsDone", 3);
        HttpResponse<String> second = send("POST", "/api/v1/experiments", experiment(id, "RUNNING", spec, summary));
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        JsonNode updated = JSON.readTree(second.body());
        assertThat(updated.path("status").asString()).isEqualTo("RUNNING");
        assertThat(updated.path("summary")).isEqualTo(JSON.valueToTree(summary));
        assertThat(updated.path("spec")).isEqualTo(JSON.valueToTree(spec));
        assertThat(Instant.parse(updated.path("createdAt").asString())).isEqualTo(createdAt);
        assertThat(Instant.parse(updated.path("updatedAt").asString())).isAfterOrEqualTo(updatedAt);

        // a createdAt sent with a later post does not rewrite history
        ObjectNode third = experiment(id, "DONE", spec, summary);
        third.put("createdAt", "2001-01-01T00:00:00Z");
        JsonNode done = JSON.readTree(send("POST", "/api/v1/experiments", third).body());
        assertThat(done.path("status").asString()).isEqualTo("DONE");
        assertThat(Instant.parse(done.path("createdAt").asString())).isEqualTo(createdAt);

        assertThat(jdbc.sql("SELECT count(*) FROM experiments WHERE id = :id").param("id", id)
                .query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void listsAndFindsAnExperiment() throws Exception {
        UUID id = UUID.randomUUID();
        String posted = send("POST", "/api/v1/experiments", experiment(id, "RUNNING", spec(), Map.of("x", 1))).body();

        HttpResponse<String> list = send("GET", "/api/v1/experiments", null);
        assertThat(list.statusCode()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        JSON.readTree(list.body()).forEach(e -> ids.add(e.path("id").asString()));
        assertThat(ids).contains(id.toString());
        JsonNode listed = null;
        for (JsonNode e : JSON.readTree(list.body())) {
            if (e.path("id").asString().equals(id.toString())) {
                listed = e;
            }
        }
        assertThat(listed).isEqualTo(JSON.readTree(posted));

        HttpResponse<String> one = send("GET", "/api/v1/experiments/" + id, null);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(one.body())).isEqualTo(JSON.readTree(posted));
    }

    @Test
    void listsNewestFirstAndPages() throws Exception {
        UUID older = UUID.randomUUID();
        UUID newer = UUID.randomUUID();
        send("POST", "/api/v1/experiments", experiment(older, "CREATED", spec(), Map.of()));
        Thread.sleep(5);
        send("POST", "/api/v1/experiments", experiment(newer, "CREATED", spec(), Map.of()));

        JsonNode page = JSON.readTree(send("GET", "/api/v1/experiments?limit=2&offset=0", null).body());
        assertThat(page.size()).isEqualTo(2);
        assertThat(page.get(0).path("id").asString()).isEqualTo(newer.toString());
        assertThat(page.get(1).path("id").asString()).isEqualTo(older.toString());
        JsonNode next = JSON.readTree(send("GET", "/api/v1/experiments?limit=1&offset=1", null).body());
        assertThat(next.size()).isEqualTo(1);
        assertThat(next.get(0).path("id").asString()).isEqualTo(older.toString());
    }

    @Test
    void anUnknownExperimentIs404() throws Exception {
        UUID id = UUID.randomUUID();
        JsonNode p = problem(send("GET", "/api/v1/experiments/" + id, null), 404);
        assertThat(p.path("detail").asString()).contains(id.toString());
        problem(send("GET", "/api/v1/experiments/" + id + "/rounds", null), 404);
    }

    @Test
    void anInvalidExperimentIsRefusedNamingTheField() throws Exception {
        ObjectNode e = experiment(UUID.randomUUID(), "CREATED", spec(), Map.of());
        e.put("name", " ");
        assertThat(fields(problem(send("POST", "/api/v1/experiments", e), 400))).contains("name");

        ObjectNode noSpec = experiment(UUID.randomUUID(), "CREATED", spec(), Map.of());
        noSpec.remove("spec");
        assertThat(fields(problem(send("POST", "/api/v1/experiments", noSpec), 400))).contains("spec");

        ObjectNode noId = experiment(UUID.randomUUID(), "CREATED", spec(), Map.of());
        noId.remove("id");
        assertThat(fields(problem(send("POST", "/api/v1/experiments", noId), 400))).contains("id");
    }

    // ---------------------------------------------------------------- rounds

    @Test
    void recordsRoundsInOrderAndReplacesARoundPutAgain() throws Exception {
        UUID id = created();
        // put out of order: the registry answers them by round number
        assertThat(send("PUT", rounds(id, 2), round(2, 4, 0.9, 1.1, 0.55, 4096, 8192, 1200, Map.of("cos", 0.99))).statusCode())
                .isEqualTo(204);
        assertThat(send("PUT", rounds(id, 0), round(0, 0, null, 2.5, 0.25, 0, 0, 300, Map.of())).statusCode())
                .isEqualTo(204);
        assertThat(send("PUT", rounds(id, 1), round(1, 4, 1.8, 2.0, 0.4, 4096, 8192, 1100, Map.of("cos", 0.98))).statusCode())
                .isEqualTo(204);

        JsonNode got = JSON.readTree(send("GET", "/api/v1/experiments/" + id + "/rounds", null).body());
        assertThat(got.size()).isEqualTo(3);
        assertThat(List.of(got.get(0).path("round").asInt(), got.get(1).path("round").asInt(), got.get(2).path("round").asInt()))
                .containsExactly(0, 1, 2);
        JsonNode r0 = got.get(0);
        assertThat(r0.path("clients").asInt()).isZero();
        assertThat(r0.path("trainLoss").isNull() || r0.path("trainLoss").isMissingNode()).as(r0.toString()).isTrue();
        assertThat(r0.path("evalLoss").asDouble()).isEqualTo(2.5);
        JsonNode r2 = got.get(2);
        assertThat(r2.path("clients").asInt()).isEqualTo(4);
        assertThat(r2.path("trainLoss").asDouble()).isEqualTo(0.9);
        assertThat(r2.path("evalLoss").asDouble()).isEqualTo(1.1);
        assertThat(r2.path("accuracy").asDouble()).isEqualTo(0.55);
        assertThat(r2.path("uploadBytes").asLong()).isEqualTo(4096);
        assertThat(r2.path("rawUpdateBytes").asLong()).isEqualTo(8192);
        assertThat(r2.path("durationMs").asLong()).isEqualTo(1200);
        assertThat(r2.path("metrics").path("cos").asDouble()).isEqualTo(0.99);
        assertThat(r2.path("recordedAt").asString()).isNotBlank();

        // the same round again replaces it
        assertThat(send("PUT", rounds(id, 1), round(1, 3, 1.5, 1.7, 0.45, 3000, 6000, 900, Map.of("cos", 0.5, "stale", 1)))
                .statusCode()).isEqualTo(204);
        got = JSON.readTree(send("GET", "/api/v1/experiments/" + id + "/rounds", null).body());
        assertThat(got.size()).isEqualTo(3);
        JsonNode r1 = got.get(1);
        assertThat(r1.path("round").asInt()).isEqualTo(1);
        assertThat(r1.path("clients").asInt()).isEqualTo(3);
        assertThat(r1.path("trainLoss").asDouble()).isEqualTo(1.5);
        assertThat(r1.path("evalLoss").asDouble()).isEqualTo(1.7);
        assertThat(r1.path("accuracy").asDouble()).isEqualTo(0.45);
        assertThat(r1.path("uploadBytes").asLong()).isEqualTo(3000);
        assertThat(r1.path("rawUpdateBytes").asLong()).isEqualTo(6000);
        assertThat(r1.path("durationMs").asLong()).isEqualTo(900);
        assertThat(r1.path("metrics")).isEqualTo(JSON.valueToTree(Map.of("cos", 0.5, "stale", 1)));
        assertThat(jdbc.sql("SELECT count(*) FROM rounds WHERE experiment_id = :id").param("id", id)
                .query(Long.class).single()).isEqualTo(3);
    }

    @Test
    void aRoundWhosePathAndBodyDifferIsRefused() throws Exception {
        UUID id = created();
        JsonNode p = problem(send("PUT", rounds(id, 3), round(4, 2, 1.0, 1.0, 0.5, 10, 20, 30, Map.of())), 400);
        assertThat(p.path("detail").asString()).contains("3").contains("4");
        assertThat(JSON.readTree(send("GET", "/api/v1/experiments/" + id + "/rounds", null).body()).size()).isZero();
    }

    @Test
    void aRoundOfAnUnknownExperimentIs404() throws Exception {
        UUID id = UUID.randomUUID();
        JsonNode p = problem(send("PUT", rounds(id, 1), round(1, 2, 1.0, 1.0, 0.5, 10, 20, 30, Map.of())), 404);
        assertThat(p.path("detail").asString()).contains(id.toString());
    }

    @Test
    void anInvalidRoundIsRefusedNamingTheField() throws Exception {
        UUID id = created();
        ObjectNode noMetrics = round(1, 2, 1.0, 1.0, 0.5, 10, 20, 30, Map.of());
        noMetrics.remove("metrics");
        JsonNode p = problem(send("PUT", rounds(id, 1), noMetrics), 400);
        assertThat(fields(p)).contains("metrics");
        assertThat(p.path("detail").asString()).contains("metrics");

        JsonNode negative = problem(send("PUT", rounds(id, 1), round(1, 2, 1.0, 1.0, 0.5, -1, 20, 30, Map.of())), 400);
        assertThat(fields(negative)).contains("uploadBytes");
        assertThat(negative.path("detail").asString()).contains("uploadBytes");

        JsonNode negativeClients = problem(send("PUT", rounds(id, 1), round(1, -2, 1.0, 1.0, 0.5, 1, 20, 30, Map.of())), 400);
        assertThat(fields(negativeClients)).contains("clients");

        ObjectNode wrongType = round(1, 2, 1.0, 1.0, 0.5, 10, 20, 30, Map.of());
        wrongType.put("durationMs", "soon");
        JsonNode typed = problem(send("PUT", rounds(id, 1), wrongType), 400);
        assertThat(typed.path("detail").asString()).contains("durationMs");

        assertThat(JSON.readTree(send("GET", "/api/v1/experiments/" + id + "/rounds", null).body()).size()).isZero();
    }

    // ---------------------------------------------------------------- schema and probes

    @Test
    void flywayCreatedTheTablesInSchemaRegistry() throws Exception {
        List<String> tables = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(SharedPostgres.jdbcUrl(), "postgres", "");
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT table_name FROM information_schema.tables WHERE table_schema = 'registry' ORDER BY 1")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        assertThat(tables).contains("experiments", "rounds", "flyway_schema_history");
        assertThat(jdbc.sql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' "
                + "AND table_name IN ('experiments', 'rounds')").query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT bool_and(success) FROM registry.flyway_schema_history").query(Boolean.class).single())
                .isTrue();
    }

    @Test
    void isReady() throws Exception {
        HttpResponse<String> r = send("GET", "/actuator/health/readiness", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("status").asString()).isEqualTo("UP");
    }
}
