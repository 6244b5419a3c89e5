package io.cgfed.coordinator.worker;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A worker killed mid-task: its open task goes back to the pool and a live worker gets it; the
 * client follows to that worker for the rounds after; what the silent worker sends later is refused.
 */
class DeadWorkerTest extends CoordinatorApiTestBase {

    private String taskStatus(UUID taskId) {
        return jdbc.queryForObject("SELECT status FROM coordinator.tasks WHERE id = ?", String.class, taskId);
    }

    private UUID boundWorker(UUID experimentId, int client) {
        return jdbc.queryForObject("SELECT worker_id FROM coordinator.experiment_clients WHERE experiment_id = ? "
                + "AND client_index = ?", UUID.class, experimentId, client);
    }

    @Test
    void trainTaskOfASilentWorkerGoesToALiveWorkerAndTheClientFollows() {
        ObjectNode spec = spec("dead-worker");
        spec.put("rounds", 2);
        Running run = startExperiment(spec, 2);
        double reassignedBefore = metric("cgfed_tasks_reassigned_total{reason=\"worker_timeout\"}");
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        Polled t0 = train.get(0);
        Polled t1 = train.get(1);
        assertThat(t0.workerId()).isNotEqualTo(t1.workerId());
        UUID live = t0.workerId();
        UUID dead = t1.workerId();

        // the worker of client 1 is killed while it trains: it neither polls nor sends a heartbeat
        silence(dead);
        Polled moved = awaitTask(List.of(live));
        assertThat(moved.type()).isEqualTo("TRAIN");
        assertThat(moved.round()).isEqualTo(1);
        assertThat(moved.client()).isEqualTo(1);
        assertThat(moved.taskId()).isNotEqualTo(t1.taskId());
        assertThat(taskStatus(t1.taskId())).isEqualTo("CANCELLED");
        assertThat(boundWorker(run.id(), 1)).as("client 1 is now served by the live worker").isEqualTo(live);
        assertThat(metric("cgfed_tasks_reassigned_total{reason=\"worker_timeout\"}") - reassignedBefore).isEqualTo(1.0);

        // the killed worker's update, if it ever comes, does not count
        byte[] p1 = Payloads.fp16(run.id(), 1, 1, 2, Payloads.update(i -> 0.5), 1.0);
        JsonNode refused = assertProblem(upload(dead, t1.taskId(), p1), 409);
        assertThat(refused.get("detail").asString()).contains("CANCELLED");
        assertStatus(upload(live, t0.taskId(), Payloads.fp16(run.id(), 1, 0, 2, Payloads.update(i -> 0.25), 1.0)), 202);
        assertStatus(upload(live, moved.taskId(), p1), 202);

        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(round(evaluating, 1).get("uploads").asInt()).isEqualTo(2);
        Polled eval = awaitTask(List.of(live));
        assertThat(eval.type()).isEqualTo("EVALUATE");
        assertStatus(reportEvaluation(live, eval.taskId(), 3.0, 0.5), 204);

        // the round's report: client 1's update counted, but came from the task it was handed on to: late
        JsonNode reported = null;
        for (int i = 0; i < 200 && reported == null; i++) {
            reported = PEERS.registryRound(run.id(), 1);
            sleep(50);
        }
        assertThat(reported).as("round 1 reached the registry").isNotNull();
        JsonNode clients = reported.path("metrics").path("clients");
        assertThat(clients.get(0).path("outcome").asString()).isEqualTo("ON_TIME");
        assertThat(clients.get(1).path("outcome").asString()).isEqualTo("LATE");
        assertThat(clients.get(1).path("reason").asString()).contains("handed to another worker");
        assertThat(clients.get(1).path("tasks").asInt()).isEqualTo(2);
        assertThat(clients.get(1).path("worker").asString()).isEqualTo(live.toString());
        assertThat(clients.get(1).path("samples").asLong()).isEqualTo(2);

        // round 2: both clients' tasks go to the live worker from the start
        List<Polled> next = awaitTasks(List.of(live), 2);
        assertThat(next).extracting(Polled::round).containsOnly(2);
        assertThat(next).extracting(Polled::client).containsExactlyInAnyOrder(0, 1);
        assertStatus(get("/api/v1/workers/" + dead + "/tasks/next?waitSeconds=0"), 204);
    }

    @Test
    void evaluationOfASilentWorkerGoesToALiveWorker() {
        Running run = startExperiment(spec("dead-evaluator"), 2);
        Polled eval = awaitTask(run.workers());
        assertThat(eval.type()).isEqualTo("EVALUATE");
        UUID other = run.workers().stream().filter(w -> !w.equals(eval.workerId())).findFirst().orElseThrow();

        silence(eval.workerId());
        Polled moved = awaitTask(List.of(other));

        assertThat(moved.type()).isEqualTo("EVALUATE");
        assertThat(moved.round()).isZero();
        assertProblem(reportEvaluation(eval.workerId(), eval.taskId(), 5.0, 0.25), 409);
        assertStatus(reportEvaluation(other, moved.taskId(), 5.0, 0.25), 204);
        awaitExperiment(run.id(), "round 1 OPEN", roundIs(1, "OPEN"));
    }

    @Test
    void taskRunningPastTheTaskTimeoutGoesToAnotherLiveWorker() {
        ObjectNode spec = spec("task-timeout");
        spec.put("taskTimeoutSeconds", 600);
        Running run = startExperiment(spec, 2);
        double before = metric("cgfed_tasks_reassigned_total{reason=\"task_timeout\"}");
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        Polled stuck = train.get(1);
        UUID other = train.get(0).workerId();

        // the worker keeps polling (it is alive) but its task has run for an hour: hung
        jdbc.update("UPDATE coordinator.tasks SET assigned_at = now() - interval '1 hour' WHERE id = ?", stuck.taskId());
        Polled moved = awaitTask(List.of(other, stuck.workerId()));

        assertThat(moved.workerId()).isEqualTo(other);
        assertThat(moved.client()).isEqualTo(1);
        assertThat(taskStatus(stuck.taskId())).isEqualTo("CANCELLED");
        assertThat(metric("cgfed_tasks_reassigned_total{reason=\"task_timeout\"}") - before).isEqualTo(1.0);
    }

    @Test
    void withNoLiveWorkerLeftTheTaskStaysAndTheRoundClosesAtItsDeadlineWithItsQuorum() {
        ObjectNode spec = spec("all-dead");
        spec.put("minClients", 1);
        spec.put("roundDeadlineSeconds", 2);
        Running run = startExperiment(spec, 2);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        assertStatus(upload(train.get(0).workerId(), train.get(0).taskId(),
                Payloads.fp16(run.id(), 1, 0, 2, Payloads.update(i -> 0.25), 1.0)), 202);

        run.workers().forEach(this::silence);

        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(round(evaluating, 1).get("uploads").asInt()).isEqualTo(1);
        assertThat(taskStatus(train.get(1).taskId())).as("closed without it").isEqualTo("CANCELLED");
    }

    @Test
    void heartbeatKeepsAWorkerAliveAndAnUnknownWorkerIsToldToRegister() {
        UUID worker = registerWorker("heartbeat");
        silence(worker);

        assertStatus(send(asWorker(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base() + "/api/v1/workers/" + worker
                + "/heartbeat")).PUT(java.net.http.HttpRequest.BodyPublishers.noBody()), worker)), 204);
        assertThat(jdbc.queryForObject("SELECT last_seen_at > now() - interval '1 minute' FROM coordinator.workers "
                + "WHERE id = ?", Boolean.class, worker)).isTrue();

        // a worker the coordinator does not know has no valid credential either: 401, which tells it to register
        UUID unknown = UUID.randomUUID();
        JsonNode p = assertProblem(send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base()
                + "/api/v1/workers/" + unknown + "/heartbeat")).header(WORKER_HEADER, unknown.toString())
                .header("Authorization", "Bearer cgfw_not-a-credential-of-this-coordinator")
                .PUT(java.net.http.HttpRequest.BodyPublishers.noBody())), 401);
        assertThat(p.get("detail").asString()).contains("register");
    }
}
