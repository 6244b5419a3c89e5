package io.cgfed.coordinator.security;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Workers join with the join token, then act as themselves only, with their own credential, on their
 * own tasks; a revoked worker is refused from its next request on. Every refusal is a 401 or 403
 * problem and changes nothing.
 */
class WorkerAccessTest extends CoordinatorApiTestBase {

    HttpResponse<String> registerWith(String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + "/api/v1/workers"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"name\":\"intruder\",\"device\":\"cpu\"}"));
        return send(authorization == null ? b : b.header("Authorization", authorization));
    }

    long workersNamed(String name) {
        return jdbc.queryForObject("SELECT count(*) FROM coordinator.workers WHERE name = ?", Long.class, name);
    }

    HttpResponse<String> uploadWith(UUID workerHeader, String credential, UUID taskId, byte[] payload) {
        return send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + taskId + "/update"))
                .header("Content-Type", "application/octet-stream")
                .header(WORKER_HEADER, workerHeader.toString())
                .header("Authorization", "Bearer " + credential)
                .PUT(BodyPublishers.ofByteArray(payload)));
    }

    HttpResponse<String> revoke(UUID worker) {
        return send(asAdmin(HttpRequest.newBuilder(URI.create(base() + "/api/v1/workers/" + worker + "/revoke"))
                .POST(BodyPublishers.noBody())));
    }

    String taskStatus(UUID taskId) {
        return jdbc.queryForObject("SELECT status FROM coordinator.tasks WHERE id = ?", String.class, taskId);
    }

    /** An experiment in round 1 with one TRAIN task per worker, sorted by client. */
    List<Polled> trainTasks(String name, Running[] started) {
        Running run = startExperiment(spec(name), 2);
        started[0] = run;
        passBaseline(run.id(), run.workers());
        return awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
    }

    @Test
    void registrationWithoutOrWithAWrongJoinTokenIsRefusedAndRegistersNothing() {
        JsonNode missing = assertProblem(registerWith(null), 401);
        assertThat(missing.get("detail").asString()).contains("join token");
        assertProblem(registerWith("Bearer " + JOIN_TOKEN + "x"), 401);
        // an API key, even the admin's, is not a join token
        assertProblem(registerWith("Bearer " + ADMIN_KEY), 401);

        assertThat(workersNamed("intruder")).isZero();
    }

    @Test
    void aCredentialIsStoredOnlyAsItsHash() {
        HttpResponse<String> r = join("{\"name\":\"hashed-worker\"}");
        assertStatus(r, 201);
        UUID id = UUID.fromString(json(r).get("workerId").asString());
        String credential = json(r).get("credential").asString();

        String row = jdbc.queryForObject("SELECT w::text FROM coordinator.workers w WHERE id = ?", String.class, id);
        assertThat(row).doesNotContain(credential).contains(io.cgfed.service.support.security.Secrets.sha256(credential));
    }

    @Test
    void aWorkerWithoutOrWithAWrongCredentialIsRefusedAndItsUploadNotStored() {
        Running[] run = new Running[1];
        Polled t0 = trainTasks("wrong-credential", run).get(0);
        byte[] payload = Payloads.fp16(run[0].id(), 1, 0, 5, Payloads.update(i -> 0.25), 1.0);
        UUID other = run[0].workers().stream().filter(w -> !w.equals(t0.workerId())).findFirst().orElseThrow();

        // no credential, a made-up one, another worker's own credential under this worker's id
        assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + t0.taskId() + "/update"))
                .header("Content-Type", "application/octet-stream").header(WORKER_HEADER, t0.workerId().toString())
                .PUT(BodyPublishers.ofByteArray(payload))), 401);
        assertProblem(uploadWith(t0.workerId(), "cgfw_not-the-credential-this-worker-was-given", t0.taskId(), payload), 401);
        assertProblem(uploadWith(t0.workerId(), CREDENTIALS.get(other), t0.taskId(), payload), 401);
        // the admin's key is not a worker credential
        assertProblem(uploadWith(t0.workerId(), ADMIN_KEY, t0.taskId(), payload), 401);
        assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/workers/" + t0.workerId()
                + "/tasks/next?waitSeconds=0")).header(WORKER_HEADER, t0.workerId().toString())
                .header("Authorization", "Bearer " + CREDENTIALS.get(other))), 401);

        assertThat(uploadBlobs(run[0].id())).isEmpty();
        assertThat(taskStatus(t0.taskId())).isEqualTo("ASSIGNED");
        assertThat(round(experiment(run[0].id()), 1).get("uploads").asInt()).isZero();
        // the owner with its own credential still counts
        assertStatus(upload(t0.workerId(), t0.taskId(), payload), 202);
    }

    @Test
    void aWorkerCannotActOnAnotherWorkersTaskNorPollAsIt() {
        Running[] run = new Running[1];
        List<Polled> train = trainTasks("other-workers-task", run);
        Polled t0 = train.get(0);
        Polled t1 = train.get(1);
        byte[] payload = Payloads.fp16(run[0].id(), 1, 0, 5, Payloads.update(i -> 0.25), 1.0);

        // t1's worker, authenticated as itself, sends t0's update to t0's task
        JsonNode p = assertProblem(upload(t1.workerId(), t0.taskId(), payload), 403);
        assertThat(p.get("detail").asString()).contains("not assigned to worker " + t1.workerId());
        assertProblem(reportEvaluation(t1.workerId(), t0.taskId(), 1.0, 0.5), 403);
        // and polls under t0's worker id with its own credential
        assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/workers/" + t0.workerId()
                + "/tasks/next?waitSeconds=0")).header(WORKER_HEADER, t1.workerId().toString())
                .header("Authorization", "Bearer " + CREDENTIALS.get(t1.workerId()))), 403);

        assertThat(uploadBlobs(run[0].id())).isEmpty();
        assertThat(taskStatus(t0.taskId())).isEqualTo("ASSIGNED");
    }

    @Test
    void aRevokedWorkerIsRefusedAtOnceAndItsUploadNotStored() {
        Running[] run = new Running[1];
        Polled t0 = trainTasks("revoked-worker", run).get(0);
        byte[] payload = Payloads.fp16(run[0].id(), 1, 0, 5, Payloads.update(i -> 0.25), 1.0);

        HttpResponse<String> revoked = revoke(t0.workerId());
        assertStatus(revoked, 200);
        assertThat(json(revoked).get("revokedAt").isNull()).isFalse();

        JsonNode p = assertProblem(upload(t0.workerId(), t0.taskId(), payload), 403);
        assertThat(p.get("detail").asString()).contains("revoked");
        assertProblem(get("/api/v1/workers/" + t0.workerId() + "/tasks/next?waitSeconds=0"), 403);
        assertProblem(postAs(t0.workerId(), "/api/v1/tasks/" + t0.taskId() + "/failure",
                JSON.createObjectNode().put("reason", "revoked")), 403);
        assertProblem(send(asWorker(HttpRequest.newBuilder(URI.create(base() + "/api/v1/experiments/" + run[0].id()
                + "/adapters/0")).GET(), t0.workerId())), 403);

        assertThat(uploadBlobs(run[0].id())).isEmpty();
        assertThat(taskStatus(t0.taskId())).isEqualTo("ASSIGNED");
        // revoking is idempotent; the admin's list shows it; an unknown worker is a 404
        assertStatus(revoke(t0.workerId()), 200);
        HttpResponse<String> list = send(asAdmin(HttpRequest.newBuilder(URI.create(base() + "/api/v1/workers")).GET()));
        assertStatus(list, 200);
        assertThat(list.body()).doesNotContain(CREDENTIALS.get(t0.workerId()));
        JsonNode listed = null;
        for (JsonNode w : json(list)) {
            if (w.get("id").asString().equals(t0.workerId().toString())) {
                listed = w;
            }
        }
        assertThat(listed).isNotNull();
        assertThat(listed.get("revokedAt").isNull()).isFalse();
        assertProblem(revoke(UUID.randomUUID()), 404);
    }

    @Test
    void aRevokedWorkerGetsNoNewClients() {
        UUID revoked = registerWorker("revoked-before-start");
        UUID live = registerWorker("live-at-start");
        assertStatus(revoke(revoked), 200);

        UUID id = submit(spec("no-clients-for-revoked"));
        awaitExperiment(id, "RUNNING", e -> e.get("status").asString().equals("RUNNING"));

        assertThat(jdbc.queryForList("SELECT DISTINCT worker_id FROM coordinator.experiment_clients WHERE experiment_id = ?",
                UUID.class, id)).containsExactly(live);
    }

    @Test
    void aWorkerDownloadsWithItsCredentialAndAWrongOneIsRefusedEvenWhereReadsAreOpen() {
        Running[] run = new Running[1];
        Polled t0 = trainTasks("worker-downloads", run).get(0);

        HttpResponse<byte[]> ok = sendBytes(asWorker(HttpRequest.newBuilder(URI.create(base() + "/api/v1/experiments/"
                + run[0].id() + "/adapters/0")).GET(), t0.workerId()));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/experiments/" + run[0].id() + "/adapters/0"))
                .header(WORKER_HEADER, t0.workerId().toString()).header("Authorization", "Bearer cgfw_wrong-but-long-enough")
                .GET()), 401);
    }
}
