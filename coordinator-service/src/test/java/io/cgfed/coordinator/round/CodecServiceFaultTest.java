package io.cgfed.coordinator.round;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.codec.NoneCodec;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The codec-service down or slow while a round closes (aggregation), while TGAP trains the codec,
 * and while FAF adapts it: the round waits where it is, asks again with exponential backoff rather
 * than on every tick, applies nothing until every call of the close succeeded, then closes.
 */
class CodecServiceFaultTest extends CoordinatorApiTestBase {

    private Map<String, Object> roundRow(UUID experimentId, int round) {
        return jdbc.queryForMap("SELECT status, failed_calls, retry_at, last_error FROM coordinator.rounds "
                + "WHERE experiment_id = ? AND round = ?", experimentId, round);
    }

    private static void awaitCalls(String operation, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (PEERS.codecCalls(operation).size() < count && System.nanoTime() < deadline) {
            sleep(50);
        }
        assertThat(PEERS.codecCalls(operation)).as("calls of %s", operation).hasSizeGreaterThanOrEqualTo(count);
    }

    /** The waits between consecutive calls grow: backoff, not one call per 100 ms tick. */
    private static void assertBackoff(String operation) {
        List<Long> at = List.copyOf(PEERS.codecCalls(operation));
        assertThat(at.size()).isGreaterThanOrEqualTo(4);
        long firstGap = at.get(1) - at.get(0);
        long laterGap = at.get(3) - at.get(2);
        assertThat(firstGap).as("first wait").isGreaterThanOrEqualTo(Duration.ofMillis(150).toNanos());
        assertThat(laterGap).as("a later wait is longer than the first").isGreaterThan(firstGap);
    }

    private List<Polled> uploadRoundOne(Running run) {
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2);
        for (Polled t : train) {
            assertStatus(upload(t.workerId(), t.taskId(),
                    Payloads.fp16(run.id(), 1, t.client(), 2, Payloads.update(i -> 0.5), 1.0)), 202);
        }
        return train;
    }

    @Test
    void aggregationWaitsForTheCodecServiceWithBackoffAndThenCloses() {
        Running run = startExperiment(spec("codec-backoff"), 2);
        double failuresBefore = metric("cgfed_codec_calls_failed_total{operation=\"aggregate\"}");
        PEERS.codecDown(true);
        uploadRoundOne(run);

        awaitCalls("aggregate", 5);
        assertBackoff("aggregate");
        Map<String, Object> waiting = roundRow(run.id(), 1);
        assertThat(waiting.get("status")).isEqualTo("AGGREGATING");
        assertThat((Integer) waiting.get("failed_calls")).isGreaterThanOrEqualTo(4);
        assertThat(waiting.get("retry_at")).isNotNull();
        assertThat((String) waiting.get("last_error")).contains("503");
        assertThat(metric("cgfed_codec_calls_failed_total{operation=\"aggregate\"}") - failuresBefore)
                .isGreaterThanOrEqualTo(4.0);
        assertThat(adapterVersions(experiment(run.id()))).containsExactly(0);

        PEERS.codecDown(false);
        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(adapterVersions(evaluating)).containsExactly(0, 1);
        Map<String, Object> closed = roundRow(run.id(), 1);
        assertThat(closed.get("failed_calls")).isEqualTo(0);
        assertThat(closed.get("retry_at")).isNull();
        assertThat(closed.get("last_error")).isNull();
    }

    @Test
    void aSlowCodecServiceTimesOutAndTheRoundClosesOnceItAnswersInTime() {
        Running run = startExperiment(spec("codec-slow"), 2);
        PEERS.codecDelay(Duration.ofSeconds(3));
        uploadRoundOne(run);

        awaitCalls("aggregate", 2);
        Map<String, Object> waiting = roundRow(run.id(), 1);
        assertThat(waiting.get("status")).isEqualTo("AGGREGATING");
        // the client gave up after its 2 s timeout (the JDK client reports it as a cancelled request)
        assertThat((String) waiting.get("last_error")).contains("/api/v1/aggregate");
        assertProblem(get("/api/v1/experiments/" + run.id() + "/adapters/1"), 404);

        PEERS.codecDelay(Duration.ZERO);
        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(adapterVersions(evaluating)).containsExactly(0, 1);
        assertThat(round(evaluating, 1).get("uploads").asInt()).isEqualTo(2);
    }

    @Test
    void aSlowCodecServiceCallHoldsUpOnlyItsOwnExperiment() {
        Running slow = startExperiment(spec("codec-slow-own"), 2);
        // slow, but inside the coordinator's 2 s timeout: the coordinator waits for the whole call
        PEERS.codecDelay(Duration.ofMillis(1800));
        uploadRoundOne(slow);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (PEERS.slowAggregatesInFlight() == 0 && System.nanoTime() < deadline) {
            sleep(10);
        }
        assertThat(PEERS.slowAggregatesInFlight()).as("the slow experiment's aggregate call is running").isPositive();
        int doneBefore = PEERS.slowAggregatesDone();

        // another experiment starts and hands out its baseline evaluation while that call still hangs
        UUID other = submit(spec("codec-slow-other"));
        awaitExperiment(other, "RUNNING with its round 0 open", e -> e.get("status").asString().equals("RUNNING"));
        assertThat(PEERS.slowAggregatesDone()).as("started inside the slow call, not after it").isEqualTo(doneBefore);

        PEERS.codecDelay(Duration.ZERO);
        awaitExperiment(slow.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
    }

    @Test
    void aCancelWhileTheCodecServiceAggregatesLeavesNoAdapterAndNoEvaluation() {
        Running run = startExperiment(spec("cancel-mid-aggregate"), 2);
        PEERS.codecDelay(Duration.ofMillis(1800));
        uploadRoundOne(run);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (PEERS.slowAggregatesInFlight() == 0 && System.nanoTime() < deadline) {
            sleep(10);
        }
        int done = PEERS.slowAggregatesDone();
        assertStatus(post("/api/v1/experiments/" + run.id() + "/cancel", ""), 200);
        while (PEERS.slowAggregatesDone() == done && System.nanoTime() < deadline) {
            sleep(10);
        }
        PEERS.codecDelay(Duration.ZERO);
        sleep(1000); // the aggregate answer arrives and the closing transaction runs (or declines)

        JsonNode e = experiment(run.id());
        assertThat(e.get("status").asString()).isEqualTo("CANCELLED");
        assertThat(adapterVersions(e)).containsExactly(0);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.tasks WHERE experiment_id = ? AND round = 1"
                + " AND type = 'EVALUATE'", Long.class, run.id())).isZero();
    }

    // ---------------------------------------------------------------- learned codec: TGAP and FAF

    private HttpResponse<String> attach(UUID workerId, UUID taskId, String kind, byte[] body) {
        return send(asWorker(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + taskId + "/" + kind))
                .header("Content-Type", "application/octet-stream")
                .PUT(BodyPublishers.ofByteArray(body)), workerId));
    }

    private static ObjectNode learnedSpec(String name) {
        return learnedSpec(name, "clients");
    }

    private static ObjectNode learnedSpec(String name, String adaptFrom) {
        ObjectNode spec = spec(name);
        spec.putObject("codec").put("name", "cgae").putObject("settings").put("collectRounds", 1).put("adaptEvery", 1)
                .put("adaptFrom", adaptFrom);
        ((ObjectNode) spec.get("dataset")).put("tgapFraction", 0.3);
        return spec;
    }

    @Test
    void aCollectionRefusedAfterItsRoundMovedOnMarksItsClientLate() {
        ObjectNode spec = learnedSpec("late-collection");
        spec.put("minClients", 1);
        spec.put("roundDeadlineSeconds", 2);
        Running run = startExperiment(spec, 2);
        List<Polled> collect = awaitTasks(run.workers(), 2).stream()
                .sorted(java.util.Comparator.comparingInt(Polled::client)).toList();
        byte[] snapshot0 = Payloads.encode(new NoneCodec(), run.id().toString(), 0, 0, 8, Payloads.update(i -> 0.001 * i), 1.0);
        assertStatus(attach(collect.get(0).workerId(), collect.get(0).taskId(), "collection",
                PayloadBatch.write(List.of(snapshot0))), 202);

        // the deadline passes with the quorum of one: the collection closes and client 1's task is withdrawn
        awaitExperiment(run.id(), "round 0 past its collection",
                e -> !round(e, 0).get("status").asString().equals("COLLECTING"));
        byte[] snapshot1 = Payloads.encode(new NoneCodec(), run.id().toString(), 0, 1, 8, Payloads.update(i -> 0.002 * i), 1.0);
        assertProblem(attach(collect.get(1).workerId(), collect.get(1).taskId(), "collection",
                PayloadBatch.write(List.of(snapshot1))), 409);

        assertThat(jdbc.queryForObject("SELECT late_upload_at IS NOT NULL FROM coordinator.tasks WHERE id = ?",
                Boolean.class, collect.get(1).taskId())).as("client 1 is LATE in round 0's report").isTrue();
        assertThat(jdbc.queryForObject("SELECT late_upload_at IS NULL FROM coordinator.tasks WHERE id = ?",
                Boolean.class, collect.get(0).taskId())).isTrue();
    }

    private void collect(Running run) {
        for (Polled t : awaitTasks(run.workers(), 2)) {
            assertThat(t.type()).isEqualTo("COLLECT");
            byte[] snapshot = Payloads.encode(new NoneCodec(), run.id().toString(), 0, t.client(), 8,
                    Payloads.update(i -> 0.001 * i), 1.0);
            assertStatus(attach(t.workerId(), t.taskId(), "collection", PayloadBatch.write(List.of(snapshot))), 202);
        }
    }

    /** A payload of the learned codec as a worker would send it (the fake codec-service decodes it to zeros). */
    private static byte[] learnedPayload(UUID experimentId, int round, int client, int codecVersion) {
        PayloadHeader header = new PayloadHeader(experimentId.toString(), round, client, "cgae", codecVersion, 4,
                TensorSpec.manifestOf(Payloads.layout(Payloads.RANK)), Map.of("trainLoss", 1.0));
        return new UpdatePayload(header, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}).toBytes();
    }

    private static byte[] contribution() {
        return SafeTensors.write(new NamedTensors().put("encoder.weight", new FloatTensor(new int[] {2, 2},
                new float[] {0.1f, 0.2f, 0.3f, 0.4f})));
    }

    @Test
    void tgapTrainingWaitsForTheCodecServiceWithBackoffAndThenStarts() {
        Running run = startExperiment(learnedSpec("tgap-codec-down"), 2);
        double tgapBefore = metric("cgfed_codec_versions_total{origin=\"TGAP\"}");
        PEERS.codecDown(true);
        collect(run);

        awaitExperiment(run.id(), "round 0 TRAINING_CODEC", roundIs(0, "TRAINING_CODEC"));
        awaitCalls("version", 4);
        assertBackoff("version");
        assertThat(PEERS.codecVersions(run.id())).isEmpty();
        assertThat(experiment(run.id()).get("codecVersion").asInt()).isZero();
        assertThat((Integer) roundRow(run.id(), 0).get("failed_calls")).isGreaterThanOrEqualTo(3);

        PEERS.codecDown(false);
        JsonNode trained = awaitExperiment(run.id(), "round 0 EVALUATING", roundIs(0, "EVALUATING"));
        assertThat(trained.get("codecVersion").asInt()).isEqualTo(1);
        assertThat(PEERS.codecCalls("tgap")).hasSize(1);
        assertThat(metric("cgfed_codec_versions_total{origin=\"TGAP\"}") - tgapBefore).isEqualTo(1.0);
        assertThat(roundRow(run.id(), 0).get("failed_calls")).isEqualTo(0);
    }

    @Test
    void fafFromTheServerRefitsOnTheRoundsPayloadsAndAsksNothingMoreOfTheClients() {
        Running run = startExperiment(learnedSpec("faf-server", "server"), 2);
        collect(run);
        awaitExperiment(run.id(), "round 0 EVALUATING", roundIs(0, "EVALUATING"));
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2);
        assertThat(train).allSatisfy(t -> assertThat(t.task().get("contribute").asBoolean()).isFalse());
        for (Polled t : train) {
            assertProblem(attach(t.workerId(), t.taskId(), "contribution", contribution()), 409);
            assertStatus(upload(t.workerId(), t.taskId(), learnedPayload(run.id(), 1, t.client(), 1)), 202);
        }
        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(evaluating.get("codecVersion").asInt()).isEqualTo(2);
        assertThat(round(evaluating, 1).get("nextCodecVersion").asInt()).isEqualTo(2);
        assertThat(PEERS.codecCalls("refit")).hasSize(1);
        assertThat(PEERS.codecCalls("contributions")).isEmpty();
    }

    @Test
    void fafAdaptationThatFailsLeavesTheRoundUnappliedUntilItSucceeds() {
        Running run = startExperiment(learnedSpec("faf-codec-down"), 2);
        collect(run);
        awaitExperiment(run.id(), "round 0 EVALUATING", roundIs(0, "EVALUATING"));
        double fafBefore = metric("cgfed_codec_versions_total{origin=\"FAF\"}");
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2);
        assertThat(train).allSatisfy(t -> {
            assertThat(t.task().get("codecVersion").asInt()).isEqualTo(1);
            assertThat(t.task().get("contribute").asBoolean()).isTrue();
        });

        PEERS.failCodec("adapt");
        for (Polled t : train) {
            assertStatus(attach(t.workerId(), t.taskId(), "contribution", contribution()), 202);
            assertStatus(upload(t.workerId(), t.taskId(), learnedPayload(run.id(), 1, t.client(), 1)), 202);
        }

        awaitCalls("adapt", 4);
        assertBackoff("adapt");
        JsonNode waiting = experiment(run.id());
        assertThat(round(waiting, 1).get("status").asString()).isEqualTo("AGGREGATING");
        assertThat(adapterVersions(waiting)).as("the aggregate is not applied without its codec version").containsExactly(0);
        assertThat(waiting.get("codecVersion").asInt()).isEqualTo(1);
        assertThat(PEERS.aggregateCalls()).as("aggregation itself succeeded each time").isGreaterThanOrEqualTo(4);

        PEERS.failCodec();
        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(adapterVersions(evaluating)).containsExactly(0, 1);
        assertThat(evaluating.get("codecVersion").asInt()).isEqualTo(2);
        assertThat(round(evaluating, 1).get("nextCodecVersion").asInt()).isEqualTo(2);
        assertThat(PEERS.codecVersions(run.id())).containsOnlyKeys(1, 2);
        assertThat(metric("cgfed_codec_versions_total{origin=\"FAF\"}") - fafBefore).isEqualTo(1.0);
    }
}
