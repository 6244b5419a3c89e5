package io.cgfed.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import io.cgfed.core.aggregation.Aggregator.WeightedUpdate;
import io.cgfed.core.aggregation.FedAvg;
import io.cgfed.core.aggregation.ServerOptimizer;
import io.cgfed.core.aggregation.Strategies;
import io.cgfed.core.tensor.NamedTensors;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Strategies through the coordinator: the rule's name and settings go to the codec-service with the round,
 * the server optimiser's step is applied here from the state stored with the previous adapter version (so a
 * restarted coordinator continues where it stopped: nothing of it is in memory between rounds), and what the
 * strategy did reaches the registry's round record.
 */
class StrategyRoundTest extends CoordinatorApiTestBase {
    // values exactly representable in fp16
    private static final List<IntToDoubleFunction> ROUND1 = List.of(i -> ((i % 7) - 3) / 16.0, i -> ((i % 5) - 2) / 8.0);
    private static final List<IntToDoubleFunction> ROUND2 = List.of(i -> ((i % 3) - 1) / 4.0, i -> ((i % 9) - 4) / 32.0);
    private static final long[] SAMPLES = {3, 1};

    @Test
    void fedAdamStepsFromTheStateStoredWithThePreviousVersion() {
        ObjectNode spec = spec("fedadam-rounds");
        spec.put("rounds", 2);
        spec.putObject("aggregation").put("name", "fedadam").putObject("settings").put("serverLearningRate", 0.1);
        Running run = startExperiment(spec, 2);
        Polled baseline = awaitTask(run.workers());
        assertStatus(reportEvaluation(baseline.workerId(), baseline.taskId(), 5.0, 0.25), 204);

        ServerOptimizer adam = Strategies.create("fedadam", Map.of("serverLearningRate", 0.1)).optimizer();
        NamedTensors expected = adapter(run.id(), 0);
        NamedTensors state = null;
        for (int round = 1; round <= 2; round++) {
            List<IntToDoubleFunction> values = round == 1 ? ROUND1 : ROUND2;
            List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
            FedAvg.Sum mean = new FedAvg.Sum();
            for (Polled t : train) {
                NamedTensors update = Payloads.update(values.get(t.client()));
                mean.add(update, SAMPLES[t.client()]);
                assertStatus(upload(t.workerId(), t.taskId(),
                        Payloads.fp16(run.id(), round, t.client(), SAMPLES[t.client()], update, 1.0)), 202);
            }
            int r = round;
            awaitExperiment(run.id(), "round " + r + " EVALUATING", roundIs(r, "EVALUATING"));
            ServerOptimizer.Step step = adam.step(mean.average(), state);
            state = step.state();
            expected = expected.plus(step.change());
            NamedTensors got = adapter(run.id(), round);
            for (String name : expected.names()) {
                float[] e = expected.get(name).data();
                float[] g = got.get(name).data();
                for (int i = 0; i < e.length; i++) {
                    assertThat((double) g[i]).as("round %d %s[%d]", round, name, i).isCloseTo(e[i], within(1e-5));
                }
            }
            Polled eval = awaitTask(run.workers());
            assertStatus(reportEvaluation(eval.workerId(), eval.taskId(), 5.0 - round, 0.25 + 0.1 * round), 204);
        }
        awaitExperiment(run.id(), "COMPLETED", e -> e.get("status").asString().equals("COMPLETED"));
        assertThat(PEERS.aggregateStrategies).containsExactly("fedadam", "fedadam");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.adapter_versions WHERE experiment_id = ? "
                + "AND server_state_blob_key IS NOT NULL", Integer.class, run.id())).as("state with versions 1 and 2")
                .isEqualTo(2);
        JsonNode strategy = registryStrategy(run.id(), 2);
        assertThat(strategy.get("strategy").asString()).isEqualTo("fedadam");
        assertThat(strategy.get("serverStepNorm").asDouble()).isPositive();
    }

    @Test
    void krumsChosenClientReachesTheRoundRecord() {
        ObjectNode spec = spec("krum-round");
        spec.put("clients", 5).put("minClients", 5);
        spec.putObject("aggregation").put("name", "krum").putObject("settings").put("byzantine", 1);
        Running run = startExperiment(spec, 5);
        Polled baseline = awaitTask(run.workers());
        assertStatus(reportEvaluation(baseline.workerId(), baseline.taskId(), 5.0, 0.25), 204);
        List<Polled> train = awaitTasks(run.workers(), 5);
        for (Polled t : train) {
            // four honest clients near one value; client 4 sends a sign-flipped, scaled update
            IntToDoubleFunction value = t.client() == 4 ? i -> -8.0 : i -> 0.25 + t.client() / 64.0;
            assertStatus(upload(t.workerId(), t.taskId(),
                    Payloads.fp16(run.id(), 1, t.client(), 3, Payloads.update(value), 1.0)), 202);
        }
        awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        NamedTensors v0 = adapter(run.id(), 0);
        NamedTensors v1 = adapter(run.id(), 1);
        String first = v0.names().iterator().next();
        double moved = v1.get(first).data()[0] - v0.get(first).data()[0];
        assertThat(moved).as("an honest client's update, not the attacker's").isBetween(0.24, 0.32);
        Polled eval = awaitTask(run.workers());
        assertStatus(reportEvaluation(eval.workerId(), eval.taskId(), 4.0, 0.5), 204);
        awaitExperiment(run.id(), "COMPLETED", e -> e.get("status").asString().equals("COMPLETED"));
        JsonNode strategy = registryStrategy(run.id(), 1);
        assertThat(strategy.get("strategy").asString()).isEqualTo("krum");
        assertThat(strategy.get("chosenClients")).hasSize(1);
        assertThat(strategy.get("chosenClients").get(0).asInt()).isBetween(0, 3);
    }

    @Test
    void loraSvdFactorsTheClientsMeanWeightChangeAgainstTheGlobalAdapterItWasSent() {
        ObjectNode spec = spec("lora-svd-round");
        spec.putObject("aggregation").put("name", "lora-svd");
        Running run = startExperiment(spec, 2);
        Polled baseline = awaitTask(run.workers());
        assertStatus(reportEvaluation(baseline.workerId(), baseline.taskId(), 5.0, 0.25), 204);
        NamedTensors v0 = adapter(run.id(), 0);
        io.cgfed.core.aggregation.AggregationRule.Combiner expected =
                Strategies.create("lora-svd", Map.of()).rule().start(v0);
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        for (Polled t : train) {
            NamedTensors update = Payloads.update(ROUND1.get(t.client()));
            expected.add(t.client(), update, SAMPLES[t.client()]);
            assertStatus(upload(t.workerId(), t.taskId(),
                    Payloads.fp16(run.id(), 1, t.client(), SAMPLES[t.client()], update, 1.0)), 202);
        }
        awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        // the fake codec-service combines with the global adapter the coordinator sent: the same as here
        NamedTensors want = v0.plus(expected.result().update());
        NamedTensors got = adapter(run.id(), 1);
        for (String name : want.names()) {
            float[] e = want.get(name).data();
            float[] g = got.get(name).data();
            for (int i = 0; i < e.length; i++) {
                assertThat((double) g[i]).as("%s[%d]", name, i).isCloseTo(e[i], within(1e-5));
            }
        }
        assertThat(PEERS.aggregateStrategies).containsExactly("lora-svd");
        Polled eval = awaitTask(run.workers());
        assertStatus(reportEvaluation(eval.workerId(), eval.taskId(), 4.0, 0.5), 204);
        JsonNode strategy = registryStrategy(run.id(), 1);
        assertThat(strategy.get("strategy").asString()).isEqualTo("lora-svd");
        assertThat(strategy.get("svdTailEnergy").asDouble()).isBetween(0.0, 1.0);
    }

    @Test
    void ffaUpdatesHoldOnlyTheBFactorsAndLeaveAAsInitialised() {
        ObjectNode spec = spec("ffa-round");
        ((ObjectNode) spec.get("lora")).put("variant", "ffa");
        Running run = startExperiment(spec, 2);
        Polled baseline = awaitTask(run.workers());
        assertStatus(reportEvaluation(baseline.workerId(), baseline.taskId(), 5.0, 0.25), 204);
        NamedTensors v0 = adapter(run.id(), 0);
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        // a payload of the full adapter is not this experiment's layout
        assertStatus(upload(train.get(0).workerId(), train.get(0).taskId(),
                Payloads.fp16(run.id(), 1, train.get(0).client(), 3, Payloads.update(i -> 0.25), 1.0)), 400);
        FedAvg.Sum mean = new FedAvg.Sum();
        for (Polled t : train) {
            NamedTensors update = onlyB(Payloads.update(ROUND1.get(t.client())));
            mean.add(update, SAMPLES[t.client()]);
            assertStatus(upload(t.workerId(), t.taskId(),
                    Payloads.fp16(run.id(), 1, t.client(), SAMPLES[t.client()], update, 1.0)), 202);
        }
        awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        NamedTensors v1 = adapter(run.id(), 1);
        NamedTensors step = mean.average();
        for (String name : v0.names()) {
            float[] before = v0.get(name).data();
            float[] after = v1.get(name).data();
            for (int i = 0; i < before.length; i++) {
                double want = before[i] + (step.contains(name) ? step.get(name).data()[i] : 0);
                assertThat((double) after[i]).as("%s[%d]", name, i).isCloseTo(want, within(1e-6));
            }
        }
        assertThat(v0.names()).anyMatch(n -> n.endsWith("lora_A.weight"));
    }

    private static NamedTensors onlyB(NamedTensors update) {
        NamedTensors out = new NamedTensors();
        update.forEach((name, t) -> {
            if (name.endsWith("lora_B.weight")) {
                out.put(name, t);
            }
        });
        return out;
    }

    /** The round record's strategy block once the registry sync (after the commit, not with it) has sent it. */
    private static JsonNode registryStrategy(java.util.UUID experiment, int round) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        while (true) {
            JsonNode r = PEERS.registryRound(experiment, round);
            if (r != null && r.path("metrics").has("strategy")) {
                return r.get("metrics").get("strategy");
            }
            assertThat(System.nanoTime()).as("round %d's record reached the registry", round).isLessThan(deadline);
            sleep(50);
        }
    }
}
