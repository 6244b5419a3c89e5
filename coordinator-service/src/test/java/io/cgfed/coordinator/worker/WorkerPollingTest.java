package io.cgfed.coordinator.worker;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Workers register, then long-poll for tasks. */
class WorkerPollingTest extends CoordinatorApiTestBase {

    @Test
    void registeredWorkerGetsAnIdAndThePollInterval() {
        HttpResponse<String> r = join("{\"name\":\"gpu-box-1\",\"device\":\"cuda:0\"}");

        assertStatus(r, 201);
        JsonNode body = json(r);
        assertThat(UUID.fromString(body.get("workerId").asString())).isNotNull();
        assertThat(body.get("pollSeconds").asInt()).isEqualTo(30);
        assertThat(body.get("credential").asString()).as("the worker's own credential, this once").hasSizeGreaterThan(40);
        JsonNode second = json(join("{\"name\":\"gpu-box-2\"}"));
        assertThat(UUID.fromString(second.get("workerId").asString()))
                .isNotEqualTo(UUID.fromString(body.get("workerId").asString()));
        assertThat(second.get("credential").asString()).isNotEqualTo(body.get("credential").asString());
    }

    @Test
    void registrationWithoutANameIsRejectedNamingTheField() {
        JsonNode p = assertProblem(join("{\"name\":\"  \",\"device\":\"cpu\"}"), 400);

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
    void pollingWithAnUnknownWorkerIdIsUnauthorizedAndSaysToRegister() {
        UUID unknown = UUID.randomUUID();

        JsonNode p = assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/workers/" + unknown
                + "/tasks/next?waitSeconds=1")).header(WORKER_HEADER, unknown.toString())
                .header("Authorization", "Bearer cgfw_made-up-credential-of-a-worker-that-never-was")), 401);

        assertThat(p.get("detail").asString()).contains(unknown.toString()).contains("register");
    }
}
