package io.cgfed.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Workers register, then long-poll for tasks. */
class WorkerPollingTest extends CoordinatorApiTestBase {

    @Test
    void registeredWorkerGetsAnIdAndThePollInterval() {
        HttpResponse<String> r = post("/api/v1/workers", "{\"name\":\"gpu-box-1\",\"device\":\"cuda:0\"}");

        assertStatus(r, 201);
        JsonNode body = json(r);
        assertThat(UUID.fromString(body.get("workerId").asString())).isNotNull();
        assertThat(body.get("pollSeconds").asInt()).isEqualTo(30);
        assertThat(UUID.fromString(json(post("/api/v1/workers", "{\"name\":\"gpu-box-2\"}")).get("workerId").asString()))
                .isNotEqualTo(UUID.fromString(body.get("workerId").asString()));
    }

    @Test
    void registrationWithoutANameIsRejectedNamingTheField() {
        JsonNode p = assertProblem(post("/api/v1/workers", "{\"name\":\"  \",\"device\":\"cpu\"}"), 400);

        assertThat(p.get("errors").get(0).get("field").asString()).isEqualTo("name");
    }

    @Test
    void longPollWithNothingQueuedAnswersNoContentAfterTheWait() {
        UUID worker = registerWorker("idle-worker");

        long start = System.nanoTime();
        HttpResponse<String> r = get("/api/v1/workers/" + worker + "/tasks/next?waitSeconds=1");
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertStatus(r, 204);
        assertThat(r.body()).isEmpty();
        assertThat(tookMs).as("the poll is held open for the wait").isBetween(900L, 5_000L);
    }

    @Test
    void longPollReturnsATaskAsSoonAsOneIsQueued() {
        UUID worker = registerWorker("waiting-worker");
        UUID id = submit(spec("first-task"));

        long start = System.nanoTime();
        HttpResponse<String> r = get("/api/v1/workers/" + worker + "/tasks/next?waitSeconds=10");
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertStatus(r, 200);
        assertThat(tookMs).isLessThan(8_000L);
        JsonNode task = json(r);
        assertThat(task.get("experimentId").asString()).isEqualTo(id.toString());
        assertThat(task.get("type").asString()).isEqualTo("EVALUATE");
        assertThat(task.get("round").asInt()).isZero();
        assertThat(task.get("adapterVersion").asInt()).isZero();
        assertThat(task.at("/spec/name").asString()).isEqualTo("first-task");
        // handed out once: the next poll has nothing
        assertStatus(get("/api/v1/workers/" + worker + "/tasks/next?waitSeconds=0"), 204);
    }

    @Test
    void pollingWithAnUnknownWorkerIdIsNotFound() {
        UUID unknown = UUID.randomUUID();

        JsonNode p = assertProblem(get("/api/v1/workers/" + unknown + "/tasks/next?waitSeconds=1"), 404);

        assertThat(p.get("detail").asString()).contains(unknown.toString()).contains("register");
    }
}
