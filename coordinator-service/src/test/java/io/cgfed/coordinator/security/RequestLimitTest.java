package io.cgfed.coordinator.security;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Bodies are bounded before they are read: a JSON body over {@code cgfed.limits.max-json-body} (1 MB)
 * is a 413 problem, declared or streamed; a malformed one is a 400; neither changes anything. Binary
 * uploads are bounded by the experiment's adapter layout ({@link UploadValidationTest}).
 */
class RequestLimitTest extends CoordinatorApiTestBase {
    static final int OVER_LIMIT = (1 << 20) + 200_000;

    static ObjectNode oversizeSpec(String name) {
        ObjectNode spec = spec(name);
        ((ObjectNode) spec.get("codec")).putObject("settings").put("padding", "x".repeat(OVER_LIMIT));
        return spec;
    }

    long experimentsNamed(String name) {
        return jdbc.queryForObject("SELECT count(*) FROM coordinator.experiments WHERE name = ?", Long.class, name);
    }

    @Test
    void anOversizeSpecIsRefusedBeforeItIsRead() {
        JsonNode p = assertProblem(post("/api/v1/experiments", oversizeSpec("oversize")), 413);

        assertThat(p.get("detail").asString()).contains("exceeds").contains("max-json-body");
        assertThat(experimentsNamed("oversize")).isZero();
    }

    @Test
    void anOversizeSpecWithoutAContentLengthIsCutOffAtTheLimit() {
        byte[] body = JSON.writeValueAsBytes(oversizeSpec("oversize-chunked"));
        // a stream publisher sends no Content-Length: the body arrives chunked
        JsonNode p = assertProblem(send(asAdmin(HttpRequest.newBuilder(URI.create(base() + "/api/v1/experiments"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))))), 413);

        assertThat(p.get("detail").asString()).contains("exceeds");
        assertThat(experimentsNamed("oversize-chunked")).isZero();
    }

    @Test
    void anOversizeOrMalformedRegistrationRegistersNothing() {
        long workers = jdbc.queryForObject("SELECT count(*) FROM coordinator.workers", Long.class);

        assertProblem(join("{\"name\":\"big\",\"device\":\"" + "x".repeat(OVER_LIMIT) + "\"}"), 413);
        assertProblem(join("{\"name\":\"broken\","), 400);
        assertProblem(join("{\"name\":\"" + "n".repeat(201) + "\"}"), 400);

        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.workers", Long.class)).isEqualTo(workers);
    }

    @Test
    void anOversizeOrMalformedEvaluationLeavesTheTaskAndRoundAsTheyWere() {
        Running run = startExperiment(spec("bad-evaluations"), 2);
        Polled eval = awaitTask(run.workers());

        ObjectNode big = JSON.createObjectNode().put("evalLoss", 1.0).put("perplexity", 2.0).put("examples", 4);
        ObjectNode categories = big.putObject("accuracyByCategory");
        for (int i = 0; categories.size() * 20 < OVER_LIMIT; i++) {
            categories.put("category-" + i, 0.5);
        }
        assertProblem(postAs(eval.workerId(), "/api/v1/tasks/" + eval.taskId() + "/evaluation", big), 413);
        assertProblem(send(asWorker(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + eval.taskId()
                + "/evaluation")).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"evalLoss\": 1.0, \"perplexity\": [", StandardCharsets.UTF_8)),
                eval.workerId())), 400);
        assertProblem(send(asWorker(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + eval.taskId()
                + "/failure")).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("[\"not an object\"]")), eval.workerId())), 400);

        assertThat(jdbc.queryForObject("SELECT status FROM coordinator.tasks WHERE id = ?", String.class, eval.taskId()))
                .isEqualTo("ASSIGNED");
        assertThat(round(experiment(run.id()), 0).get("status").asString()).isEqualTo("EVALUATING");
    }

    @Test
    void anUnauthenticatedUploadIsRefusedBeforeItsBodyIsRead() {
        Running run = startExperiment(spec("unauthenticated-upload"), 2);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        UUID task = train.get(0).taskId();

        // far over what the experiment allows: refused for its missing credential, not for its size
        JsonNode p = assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + task + "/update"))
                .header("Content-Type", "application/octet-stream")
                .header(WORKER_HEADER, train.get(0).workerId().toString())
                .PUT(BodyPublishers.ofByteArray(new byte[64 << 10]))), 401);

        assertThat(p.get("detail").asString()).contains("credential");
        assertThat(uploadBlobs(run.id())).isEmpty();
    }
}
