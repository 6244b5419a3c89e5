package io.cgfed.coordinator.round;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the coordinator tells the registry about a round (issue 6): the time of each phase, and for
 * every client it gave a task, what became of it: on time, late (refused after the round closed),
 * failed (the task failed); with what each client sent. Taken from the registry's own side of the
 * wire (the fake registry records the bodies).
 */
class RoundReportTest extends CoordinatorApiTestBase {

    @Test
    void eachClientOfARoundIsOnTimeLateOrFailedAndEachPhaseIsTimed() {
        ObjectNode spec = spec("round-report");
        spec.put("clients", 4);
        ((ObjectNode) spec.get("dataset")).put("trainExamples", 40); // up to 10 samples a client
        spec.put("minClients", 2);
        spec.put("closeAtQuorum", true);
        Running run = startExperiment(spec, 4);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 4).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        Map<Integer, UUID> workerOf = new java.util.HashMap<>();
        train.forEach(p -> workerOf.put(p.client(), p.workerId()));

        // client 3 gives up; clients 0 and 1 make the quorum; client 2 comes after the round closed
        assertStatus(postAs(train.get(3).workerId(), "/api/v1/tasks/" + train.get(3).taskId() + "/failure",
                JSON.createObjectNode().put("reason", "CUDA out of memory")), 204);
        sleep(120); // so that the collecting phase is measurably long
        byte[] p0 = Payloads.fp16(run.id(), 1, 0, 3, Payloads.update(i -> 0.25), 1.5);
        byte[] p1 = Payloads.fp16(run.id(), 1, 1, 5, Payloads.update(i -> 0.75), 2.5);
        assertStatus(upload(train.get(0).workerId(), train.get(0).taskId(), p0), 202);
        assertStatus(upload(train.get(1).workerId(), train.get(1).taskId(), p1), 202);
        awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertProblem(upload(train.get(2).workerId(), train.get(2).taskId(),
                Payloads.fp16(run.id(), 1, 2, 4, Payloads.update(i -> 1.0), 1.0)), 409);

        Polled eval = awaitTask(run.workers());
        assertThat(eval.type()).isEqualTo("EVALUATE");
        sleep(50);
        assertStatus(reportEvaluation(eval.workerId(), eval.taskId(), 4.0, 0.5), 204);
        awaitExperiment(run.id(), "COMPLETED", e -> e.get("status").asString().equals("COMPLETED"));

        JsonNode r1 = awaitRegistryRound(run.id(), 1);
        JsonNode clients = r1.path("metrics").path("clients");
        assertThat(clients.size()).as(clients.toPrettyString()).isEqualTo(4);
        JsonNode c0 = clients.get(0);
        assertThat(c0.path("client").asInt()).isZero();
        assertThat(c0.path("outcome").asString()).isEqualTo("ON_TIME");
        assertThat(c0.path("worker").asString()).isEqualTo(workerOf.get(0).toString());
        assertThat(c0.path("samples").asLong()).isEqualTo(3);
        assertThat(c0.path("trainLoss").asDouble()).isEqualTo(1.5);
        assertThat(c0.path("wireBytes").asLong()).isEqualTo(p0.length);
        assertThat(c0.path("rawBytes").asLong()).isPositive();
        assertThat(c0.path("timeMs").asLong()).isGreaterThanOrEqualTo(100);
        assertThat(c0.path("tasks").asInt()).isEqualTo(1);
        assertThat(clients.get(1).path("outcome").asString()).isEqualTo("ON_TIME");
        assertThat(clients.get(1).path("samples").asLong()).isEqualTo(5);
        assertThat(clients.get(1).path("wireBytes").asLong()).isEqualTo(p1.length);

        JsonNode c2 = clients.get(2);
        assertThat(c2.path("outcome").asString()).isEqualTo("LATE");
        assertThat(c2.path("reason").asString()).contains("after the round had closed");
        assertThat(c2.path("uploadedAt").isMissingNode()).isFalse();
        assertThat(c2.has("samples")).as("a refused upload counts nothing").isFalse();
        assertThat(jdbc.queryForObject("SELECT late_upload_at IS NOT NULL FROM coordinator.tasks WHERE id = ?",
                Boolean.class, train.get(2).taskId())).isTrue();

        JsonNode c3 = clients.get(3);
        assertThat(c3.path("outcome").asString()).isEqualTo("FAILED");
        assertThat(c3.path("reason").asString()).contains("CUDA out of memory");
        assertThat(c3.path("worker").asString()).isEqualTo(workerOf.get(3).toString());

        JsonNode phases = r1.path("metrics").path("phases");
        long collecting = phases.path("collectingMs").asLong(-1);
        long aggregation = phases.path("aggregationMs").asLong(-1);
        long evaluation = phases.path("evaluationMs").asLong(-1);
        long total = phases.path("totalMs").asLong(-1);
        assertThat(collecting).as(phases.toString()).isGreaterThanOrEqualTo(100);
        assertThat(aggregation).isGreaterThanOrEqualTo(0);
        assertThat(evaluation).isGreaterThanOrEqualTo(40);
        assertThat(phases.path("codecTrainingMs").isNull()).as("fp16 has no codec to train").isTrue();
        assertThat(total).isEqualTo(r1.path("durationMs").asLong());
        assertThat(collecting + aggregation + evaluation).isLessThanOrEqualTo(total);

        // the coordinator's own view of the round has the same phases
        JsonNode own = round(experiment(run.id()), 1).path("phases");
        assertThat(own.path("collectingMs").asLong()).isEqualTo(collecting);
        assertThat(own.path("totalMs").asLong()).isEqualTo(total);

        // the baseline round is an evaluation only: no clients, no collection
        JsonNode r0 = awaitRegistryRound(run.id(), 0);
        assertThat(r0.path("metrics").has("clients")).isFalse();
        assertThat(r0.path("metrics").path("phases").path("collectingMs").isNull()).isTrue();
        assertThat(r0.path("metrics").path("phases").path("evaluationMs").asLong(-1)).isGreaterThanOrEqualTo(0);
    }

    private JsonNode awaitRegistryRound(UUID id, int round) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            JsonNode r = PEERS.registryRound(id, round);
            if (r != null && (round == 0 || r.path("metrics").path("clients").size() == 4
                    && "LATE".equals(r.path("metrics").path("clients").get(2).path("outcome").asString()))) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the registry never got round " + round + ": " + r);
            }
            sleep(50);
        }
    }
}
