package io.cgfed.coordinator.experiment;

import io.cgfed.coordinator.CoordinatorApiTestBase;
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

    /**
     * With training.maxSequenceLength the whole estimate is known at submit: a micro-batch whose activations
     * pass every budget is refused on that field; a cap beyond the model's context is refused whatever the budgets.
     */
    @Test
    void aSequenceCapLetsTheCoordinatorCheckTheActivationsToo() {
        var tooLong = spec("past-context");
        ((tools.jackson.databind.node.ObjectNode) tooLong.get("training")).put("maxSequenceLength", 100_000);
        assertThat(assertProblem(post("/api/v1/experiments", tooLong), 400).toString())
                .contains("training.maxSequenceLength").contains("context of 64 tokens");
        HttpResponse<String> joined = join("{\"name\":\"mid\",\"device\":\"cpu\",\"memoryBudgetBytes\":300000000}");
        assertStatus(joined, 201);
        UUID mid = UUID.fromString(json(joined).get("workerId").asString());
        try {
            var big = spec("big-batch");
            ((tools.jackson.databind.node.ObjectNode) big.get("training")).put("batchSize", 4096).put("microBatchSize", 4096)
                    .put("maxSequenceLength", 64);
            assertThat(assertProblem(post("/api/v1/experiments", big), 400).toString())
                    .contains("training.maxSequenceLength").contains("4096 x 64 tokens");
            var small = spec("small-batch");
            ((tools.jackson.databind.node.ObjectNode) small.get("training")).put("maxSequenceLength", 64);
            assertStatus(post("/api/v1/experiments", small), 201);
        } finally {
            assertStatus(post("/api/v1/workers/" + mid + "/revoke", "{}"), 200);
        }
    }
}
