package io.cgfed.coordinator.round;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.tensor.NamedTensors;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An enrolled worker that poisons its update (issue 15, fault B): the probe's payload claimed 2^40 samples
 * with values of 60,000, FedAvg gave it all the weight and the experiment completed with a global adapter of
 * max |w| 60,000. Here, through the coordinator's REST API with the test as the workers: a claim above the
 * client's shard is refused with 400 and fails the task; an update of absurd norm is accepted, quarantined at
 * aggregation and shown with its reason; the honest updates make the round.
 */
class PoisonedUpdateTest extends CoordinatorApiTestBase {
    @org.springframework.beans.factory.annotation.Autowired
    io.cgfed.coordinator.remote.RegistrySync registrySync;

    private static ObjectNode threeClients(String name) {
        ObjectNode spec = spec(name);
        spec.put("clients", 3);
        spec.put("minClients", 2);
        ((ObjectNode) spec.get("dataset")).put("trainExamples", 30); // IID: at most 10 samples a client
        return spec;
    }

    @Test
    void aClaimAboveTheShardIsRefusedAndTheRoundClosesWithTheOthers() {
        Running run = startExperiment(threeClients("poisoned-samples"), 3);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 3).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        NamedTensors v0 = adapter(run.id(), 0);

        Polled rogue = train.get(2);
        byte[] poisoned = Payloads.fp16(run.id(), 1, 2, 1L << 40, Payloads.update(i -> 60000.0), 1.0);
        JsonNode problem = assertProblem(upload(rogue.workerId(), rogue.taskId(), poisoned), 400);
        assertThat(problem.get("detail").asString()).contains("1099511627776 training samples")
                .contains("at most 10");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM uploads WHERE experiment_id = ?", Long.class, run.id()))
                .as("nothing stored").isZero();
        assertThat(jdbc.queryForObject("SELECT status FROM tasks WHERE id = ?", String.class, rogue.taskId()))
                .isEqualTo("FAILED");
        // the same again is refused the same way (the task is settled: no second chance to be counted)
        assertProblem(upload(rogue.workerId(), rogue.taskId(), poisoned), 400);

        assertStatus(upload(train.get(0).workerId(), train.get(0).taskId(),
                Payloads.fp16(run.id(), 1, 0, 10, Payloads.update(i -> 0.25), 1.0)), 202);
        assertStatus(upload(train.get(1).workerId(), train.get(1).taskId(),
                Payloads.fp16(run.id(), 1, 1, 5, Payloads.update(i -> -0.5), 1.0)), 202);
        // the round closes at once with the two (the refused task is settled, the quorum is 2)
        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(round(evaluating, 1).get("uploads").asInt()).isEqualTo(2);
        NamedTensors v1 = adapter(run.id(), 1);
        String first = v0.names().iterator().next();
        // (10 x 0.25 + 5 x -0.5) / 15 = 0
        assertThat((double) v1.get(first).data()[0]).isCloseTo(v0.get(first).data()[0], within(1e-6));
        assertThat(maxAbs(v1)).isLessThan(10);
    }

    @Test
    void anUpdateOfAbsurdNormIsQuarantinedNotAggregatedAndShownWithItsReason() {
        Running run = startExperiment(threeClients("poisoned-values"), 3);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 3).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        NamedTensors v0 = adapter(run.id(), 0);
        byte[] p0 = Payloads.fp16(run.id(), 1, 0, 4, Payloads.update(i -> 0.25), 1.0);
        byte[] p1 = Payloads.fp16(run.id(), 1, 1, 4, Payloads.update(i -> 0.125 * ((i % 3) - 1) + 0.25), 1.0);
        byte[] poisoned = Payloads.fp16(run.id(), 1, 2, 10, Payloads.update(i -> 60000.0), 1.0);
        assertStatus(upload(train.get(0).workerId(), train.get(0).taskId(), p0), 202);
        assertStatus(upload(train.get(1).workerId(), train.get(1).taskId(), p1), 202);
        assertStatus(upload(train.get(2).workerId(), train.get(2).taskId(), poisoned), 202); // well-formed: accepted

        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(round(evaluating, 1).get("uploads").asInt()).as("aggregated").isEqualTo(2);
        assertThat(PEERS.aggregatedBatches().get(PEERS.aggregatedBatches().size() - 1))
                .as("only the honest payloads went to the codec-service").containsExactly(p0, p1);
        NamedTensors v1 = adapter(run.id(), 1);
        assertThat(maxAbs(v1)).as("the global adapter is untouched by the 60,000s").isLessThan(10);
        String reason = jdbc.queryForObject("SELECT quarantine_reason FROM uploads WHERE experiment_id = ? AND client_index = 2",
                String.class, run.id());
        assertThat(reason).contains("robust deviations above the round's median");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM uploads WHERE experiment_id = ? AND quarantine_reason IS NULL",
                Long.class, run.id())).isEqualTo(2);

        // the registry's round record shows the client as QUARANTINED, with the reason
        Polled eval = awaitTask(run.workers());
        assertStatus(reportEvaluation(eval.workerId(), eval.taskId(), 3.0, 0.5), 204);
        awaitExperiment(run.id(), "COMPLETED", e -> e.get("status").asString().equals("COMPLETED"));
        registrySync.sync(run.id());
        JsonNode clients = PEERS.registryRound(run.id(), 1).at("/metrics/clients");
        Map<Integer, String> outcomes = new java.util.TreeMap<>();
        clients.forEach(c -> outcomes.put(c.get("client").asInt(), c.get("outcome").asString()));
        assertThat(outcomes).containsEntry(0, "ON_TIME").containsEntry(1, "ON_TIME").containsEntry(2, "QUARANTINED");
        assertThat(clients.get(2).get("reason").asString()).startsWith("not aggregated: update norm");
    }

    private static double maxAbs(NamedTensors t) {
        double m = 0;
        for (String name : t.names()) {
            for (float v : t.get(name).data()) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }
}
