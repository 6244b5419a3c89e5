package io.cgfed.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Workers say their memory budget at registration; a spec whose model alone (frozen base, adapter, optimiser
 * state) passes the largest budget of the workers that are not revoked cannot train anywhere, and is refused
 * at submit naming the field.
 */
class MemoryBudgetSubmitTest extends CoordinatorApiTestBase {

    @Test
    void aModelNoRegisteredWorkerCanHoldIsRefusedAtSubmit() {
        HttpResponse<String> joined = join("{\"name\":\"small\",\"device\":\"cpu\",\"memoryBudgetBytes\":1000000}");
        assertStatus(joined, 201);
        UUID small = UUID.fromString(json(joined).get("workerId").asString());
        try {
            JsonNode listed = json(send(asAdmin(HttpRequest.newBuilder(URI.create(base() + "/api/v1/workers")).GET())));
            assertThat(listed.toString()).contains("\"memoryBudgetBytes\":1000000");
            long before = jdbc.queryForObject("SELECT count(*) FROM experiments", Long.class);
            JsonNode problem = assertProblem(post("/api/v1/experiments", spec("too-big")), 400);
            assertThat(problem.toString()).contains("model.name").contains("before any data")
                    .contains("largest memory budget a registered worker reported is 1.0 MiB");
            assertThat(jdbc.queryForObject("SELECT count(*) FROM experiments", Long.class)).isEqualTo(before);
            assertProblem(join("{\"name\":\"bad\",\"device\":\"cpu\",\"memoryBudgetBytes\":-5}"), 400);
        } finally {
            assertStatus(post("/api/v1/workers/" + small + "/revoke", "{}"), 200);
        }
        // revoked, its budget no longer counts: nothing else reported one, so nothing is refused for memory
        assertStatus(post("/api/v1/experiments", spec("fits-now")), 201);
    }
}
