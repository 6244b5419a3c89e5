package io.cgfed.coordinator.round;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.tensor.NamedTensors;
import java.net.http.HttpResponse;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Whole rounds, with the test playing two workers over HTTP and a fake codec-service doing FedAvg. */
class FederatedRoundTest extends CoordinatorApiTestBase {
    @org.springframework.beans.factory.annotation.Autowired
    io.cgfed.coordinator.remote.RegistrySync registrySync;

    // values exactly representable in fp16, so the expected average needs no rounding model
    private static final IntToDoubleFunction CLIENT0 = i -> ((i % 7) - 3) / 16.0;
    private static final IntToDoubleFunction CLIENT1 = i -> ((i % 5) - 2) / 8.0;
    private static final long SAMPLES0 = 3;
    private static final long SAMPLES1 = 1;

    @Test
    void twoClientsCompleteOneRoundIntoAdapterVersionOneWithTheWeightedAverage() {
        Running run = startExperiment(spec("one-round"), 2);
        JsonNode started = experiment(run.id());
        assertThat(started.get("startedAt").isNull()).isFalse();
        assertThat(round(started, 0).get("status").asString()).isEqualTo("EVALUATING");
        assertThat(adapterVersions(started)).containsExactly(0);

        // round 0: the baseline evaluation of adapter version 0
        Polled baseline = awaitTask(run.workers());
        assertThat(baseline.type()).isEqualTo("EVALUATE");
        assertThat(baseline.round()).isZero();
        assertThat(baseline.adapterVersion()).isZero();
        assertStatus(reportEvaluation(baseline.workerId(), baseline.taskId(), 5.5, 0.25), 204);

        // round 1: one TRAIN task per client, each for the worker bound to that client
        List<Polled> train = awaitTasks(run.workers(), 2).stream()
                .sorted(Comparator.comparingInt(Polled::client)).toList();
        assertThat(train).extracting(Polled::type).containsOnly("TRAIN");
        assertThat(train).extracting(Polled::round).containsOnly(1);
        assertThat(train).extracting(Polled::adapterVersion).containsOnly(0);
        assertThat(train).extracting(Polled::client).containsExactly(0, 1);
        assertThat(train.get(0).workerId()).as("two live workers serve one client each")
                .isNotEqualTo(train.get(1).workerId());
        JsonNode open = experiment(run.id());
        assertThat(open.get("currentRound").asInt()).isEqualTo(1);
        assertThat(round(open, 0).get("status").asString()).isEqualTo("CLOSED");
        assertThat(round(open, 0).get("evalLoss").asDouble()).isEqualTo(5.5);
        assertThat(round(open, 1).get("status").asString()).isEqualTo("OPEN");
        assertThat(round(open, 1).get("selected").asInt()).isEqualTo(2);

        NamedTensors v0 = adapter(run.id(), 0);
        byte[] p0 = Payloads.fp16(run.id(), 1, 0, SAMPLES0, Payloads.update(CLIENT0), 1.0);
        byte[] p1 = Payloads.fp16(run.id(), 1, 1, SAMPLES1, Payloads.update(CLIENT1), 2.0);

        HttpResponse<String> r0 = upload(train.get(0).workerId(), train.get(0).taskId(), p0);
        assertStatus(r0, 202);
        JsonNode receipt = json(r0);
        assertThat(receipt.get("status").asString()).isEqualTo("ACCEPTED");
        assertThat(receipt.get("experimentId").asString()).isEqualTo(run.id().toString());
        assertThat(receipt.get("round").asInt()).isEqualTo(1);
        assertThat(receipt.get("clientIndex").asInt()).isZero();
        assertThat(receipt.get("wireBytes").asLong()).isEqualTo(p0.length);
        assertThat(receipt.get("rawBytes").asLong()).isEqualTo(Payloads.rawBytes());
        assertStatus(upload(train.get(1).workerId(), train.get(1).taskId(), p1), 202);

        // both uploads are in: the round is aggregated and adapter version 1 goes to evaluation
        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(evaluating.get("status").asString()).isEqualTo("RUNNING");
        assertThat(adapterVersions(evaluating)).containsExactly(0, 1);
        JsonNode r1 = round(evaluating, 1);
        assertThat(r1.get("uploads").asInt()).isEqualTo(2);
        assertThat(r1.get("uploadBytes").asLong()).isEqualTo(p0.length + p1.length);
        assertThat(r1.get("rawUpdateBytes").asLong()).isEqualTo(2 * Payloads.rawBytes());
        assertThat(r1.get("trainLoss").asDouble()).as("sample-weighted train loss")
                .isCloseTo((SAMPLES0 * 1.0 + SAMPLES1 * 2.0) / (SAMPLES0 + SAMPLES1), within(1e-9));
        assertThat(PEERS.aggregatedBatches()).hasSize(1);
        assertThat(PEERS.codecRefusals()).as("the coordinator's codec-service calls carry its key").isZero();
        assertThat(PEERS.aggregatedBatches().get(0)).as("the accepted payloads, byte for byte, by client")
                .containsExactly(p0, p1);

        NamedTensors v1 = adapter(run.id(), 1);
        assertThat(v1.names()).containsExactlyElementsOf(v0.names());
        int[] index = {0};
        int[] checked = {0};
        v0.forEach((name, t0) -> {
            float[] base = t0.data();
            float[] got = v1.get(name).data();
            assertThat(v1.get(name).shape()).isEqualTo(t0.shape());
            for (int i = 0; i < base.length; i++, index[0]++) {
                double avg = (SAMPLES0 * CLIENT0.applyAsDouble(index[0]) + SAMPLES1 * CLIENT1.applyAsDouble(index[0]))
                        / (SAMPLES0 + SAMPLES1);
                assertThat((double) got[i]).as("%s[%d]", name, i).isCloseTo(base[i] + avg, within(1e-6));
                checked[0]++;
            }
        });
        assertThat((long) checked[0]).isEqualTo(Payloads.layout(Payloads.RANK).numel());
        // a few values spelled out: index 0 is -3/16 and -2/8 -> (3*-0.1875 + 1*-0.25) / 4 = -0.203125
        String firstA = v0.names().iterator().next();
        assertThat((double) v1.get(firstA).data()[0]).isCloseTo(v0.get(firstA).data()[0] - 0.203125, within(1e-6));
        // index 3 is 0/16 and 1/8 -> 0.03125
        assertThat((double) v1.get(firstA).data()[3]).isCloseTo(v0.get(firstA).data()[3] + 0.03125, within(1e-6));

        // the new adapter is evaluated, which closes round 1 and the experiment
        Polled eval = awaitTask(run.workers());
        assertThat(eval.type()).isEqualTo("EVALUATE");
        assertThat(eval.round()).isEqualTo(1);
        assertThat(eval.adapterVersion()).isEqualTo(1);
        assertStatus(reportEvaluation(eval.workerId(), eval.taskId(), 4.25, 0.5), 204);

        JsonNode done = awaitExperiment(run.id(), "COMPLETED", e -> e.get("status").asString().equals("COMPLETED"));
        assertThat(done.get("failureReason").isNull()).isTrue();
        assertThat(done.get("finishedAt").isNull()).isFalse();
        assertThat(done.get("currentRound").asInt()).isEqualTo(1);
        assertThat(adapterVersions(done)).containsExactly(0, 1);
        assertThat(done.get("roundSummaries")).extracting(r -> r.get("status").asString()).containsExactly("CLOSED", "CLOSED");
        JsonNode closed = round(done, 1);
        assertThat(closed.get("evalLoss").asDouble()).isEqualTo(4.25);
        assertThat(closed.get("accuracy").asDouble()).isEqualTo(0.5);
        assertThat(closed.get("perplexity").asDouble()).isCloseTo(Math.exp(4.25), within(1e-9));
        assertThat(closed.get("accuracyByCategory").get("STEM").asDouble()).isEqualTo(0.5);
        assertThat(closed.get("durationMs").asLong()).isNotNegative();
        assertThat(closed.get("uploads").asInt()).isEqualTo(2);
        // nothing is left for the workers
        for (UUID w : run.workers()) {
            assertStatus(get("/api/v1/workers/" + w + "/tasks/next?waitSeconds=0"), 204);
        }
    }

    @Test
    void roundWaitsInAggregatingWhileTheCodecServiceIsDownAndNothingIsHalfApplied() {
        Running run = startExperiment(spec("codec-down"), 2);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2);
        PEERS.codecDown(true);
        for (Polled t : train) {
            byte[] payload = Payloads.fp16(run.id(), 1, t.client(), 2, Payloads.update(i -> 0.5), 1.0);
            assertStatus(upload(t.workerId(), t.taskId(), payload), 202);
        }

        awaitExperiment(run.id(), "round 1 AGGREGATING", roundIs(1, "AGGREGATING"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (PEERS.aggregateCalls() < 3 && System.nanoTime() < deadline) {
            sleep(50);
        }
        assertThat(PEERS.aggregateCalls()).as("the driver keeps asking the codec-service").isGreaterThanOrEqualTo(3);

        JsonNode waiting = experiment(run.id());
        assertThat(waiting.get("status").asString()).isEqualTo("RUNNING");
        assertThat(waiting.get("failureReason").isNull()).isTrue();
        assertThat(round(waiting, 1).get("status").asString()).isEqualTo("AGGREGATING");
        assertThat(round(waiting, 1).get("trainLoss").isNull()).isTrue();
        assertThat(adapterVersions(waiting)).containsExactly(0);
        assertProblem(get("/api/v1/experiments/" + run.id() + "/adapters/1"), 404);
        for (UUID w : run.workers()) {
            assertStatus(get("/api/v1/workers/" + w + "/tasks/next?waitSeconds=0"), 204);
        }

        // the codec-service comes back: the same round goes on from where it waited
        PEERS.codecDown(false);
        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(adapterVersions(evaluating)).containsExactly(0, 1);
        assertThat(round(evaluating, 1).get("uploads").asInt()).isEqualTo(2);
        NamedTensors v0 = adapter(run.id(), 0);
        NamedTensors v1 = adapter(run.id(), 1);
        v0.forEach((name, t) -> assertThat(v1.get(name).data()[0]).isCloseTo(t.data()[0] + 0.5f, within(1e-6f)));
        Polled eval = awaitTask(run.workers());
        assertThat(eval.type()).isEqualTo("EVALUATE");
        assertThat(eval.adapterVersion()).isEqualTo(1);
    }

    @Test
    void registryFinallyHoldsTheCompletedExperiment() {
        Running run = startExperiment(spec("registry-sync"), 2);
        passBaseline(run.id(), run.workers());
        for (Polled t : awaitTasks(run.workers(), 2)) {
            byte[] payload = Payloads.fp16(run.id(), 1, t.client(), 2, Payloads.update(i -> 0.25), 1.5);
            assertStatus(upload(t.workerId(), t.taskId(), payload), 202);
        }
        Polled eval = awaitTask(run.workers());
        assertStatus(reportEvaluation(eval.workerId(), eval.taskId(), 3.0, 0.75), 204);
        awaitExperiment(run.id(), "COMPLETED", e -> e.get("status").asString().equals("COMPLETED"));

        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline && !isCompletedInRegistry(run.id())) {
            sleep(100);
        }
        JsonNode record = PEERS.registryExperiment(run.id());
        assertThat(record).as("the registry was sent the experiment").isNotNull();
        assertThat(PEERS.registryStatuses(run.id())).startsWith("PENDING").endsWith("COMPLETED");
        assertThat(PEERS.registryRound(run.id(), 1)).as("the registry was sent round 1").isNotNull();
        assertThat(PEERS.registryRound(run.id(), 1).get("evalLoss").asDouble()).isEqualTo(3.0);
        assertThat(record.get("status").asString()).as("last status the registry was sent").isEqualTo("COMPLETED");
        assertThat(record.at("/summary/finalEvalLoss").asDouble()).isEqualTo(3.0);
        // the experiment went to the registry at every change, a closed round only when it changed
        int syncs = PEERS.registryStatuses(run.id()).size();
        int roundOnePuts = PEERS.registryRoundPuts(run.id(), 1);
        for (int i = 0; i < 3; i++) {
            registrySync.sync(run.id());
        }
        assertThat(PEERS.registryStatuses(run.id())).as("each sync sends the experiment").hasSize(syncs + 3);
        assertThat(PEERS.registryRoundPuts(run.id(), 1)).as("a closed round that did not change is not sent again")
                .isEqualTo(roundOnePuts);
    }

    private static boolean isCompletedInRegistry(UUID id) {
        JsonNode r = PEERS.registryExperiment(id);
        // the experiment record is posted first, then each closed round
        return r != null && "COMPLETED".equals(r.get("status").asString()) && PEERS.registryRound(id, 1) != null;
    }

}
