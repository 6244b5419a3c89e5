package io.cgfed.coordinator.upload;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.codec.NoneCodec;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every broken or misdirected upload is refused whole: nothing is stored, nothing counts. */
class UploadValidationTest extends CoordinatorApiTestBase {

    @Test
    void badUploadsAreRefusedAndChangeNothingThenAValidOneIsAccepted() {
        Running run = startExperiment(spec("bad-uploads"), 2);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        Polled t0 = train.get(0);
        Polled t1 = train.get(1);
        UUID owner = t0.workerId();
        byte[] valid = Payloads.fp16(run.id(), 1, 0, 5, Payloads.update(i -> i % 3 / 4.0), 1.0);

        // truncated on the wire
        JsonNode truncated = assertProblem(upload(owner, t0.taskId(), Arrays.copyOf(valid, valid.length - 7)), 400);
        assertThat(truncated.get("title").asString()).isEqualTo("Invalid payload");
        assertProblem(upload(owner, t0.taskId(), Arrays.copyOf(valid, 10)), 400);
        assertProblem(upload(owner, t0.taskId(), new byte[0]), 400);

        // larger than any update of this experiment's layout can be
        JsonNode tooLarge = assertProblem(upload(owner, t0.taskId(), new byte[2 << 20]), 413);
        assertThat(tooLarge.get("detail").asString()).contains("exceeds");

        // one flipped bit in the body: the checksum catches it
        byte[] flipped = valid.clone();
        flipped[valid.length - 20] ^= 0x01;
        assertThat(assertProblem(upload(owner, t0.taskId(), flipped), 400).get("detail").asString()).contains("checksum");

        // well-formed, but for another round, client or experiment
        JsonNode otherRound = assertProblem(upload(owner, t0.taskId(),
                Payloads.fp16(run.id(), 2, 0, 5, Payloads.update(i -> 0.25), 1.0)), 400);
        assertThat(otherRound.get("detail").asString()).contains("round 2");
        JsonNode otherClient = assertProblem(upload(owner, t0.taskId(),
                Payloads.fp16(run.id(), 1, 1, 5, Payloads.update(i -> 0.25), 1.0)), 400);
        assertThat(otherClient.get("detail").asString()).contains("client 1");
        assertProblem(upload(owner, t0.taskId(),
                Payloads.fp16(UUID.randomUUID(), 1, 0, 5, Payloads.update(i -> 0.25), 1.0)), 400);

        // a codec version on a codec that has no learned state
        io.cgfed.core.tensor.NamedTensors u = Payloads.update(i -> 0.25);
        byte[] versioned = new io.cgfed.core.codec.UpdatePayload(new io.cgfed.core.codec.PayloadHeader(run.id().toString(),
                1, 0, "fp16", 7, 5, io.cgfed.core.tensor.TensorSpec.manifestOf(u), java.util.Map.of("trainLoss", 1.0)),
                new io.cgfed.core.codec.Fp16Codec().encode(u)).toBytes();
        assertThat(assertProblem(upload(owner, t0.taskId(), versioned), 400).get("detail").asString())
                .contains("codec version 7").contains("must be 0");

        // the wrong adapter layout (rank 4 instead of 2)
        JsonNode wrongRank = assertProblem(upload(owner, t0.taskId(),
                Payloads.fp16(run.id(), 1, 0, 5, Payloads.update(4, i -> 0.25), 1.0)), 400);
        assertThat(wrongRank.get("detail").asString()).contains("not the layout of experiment " + run.id());

        // another codec than the experiment's
        JsonNode wrongCodec = assertProblem(upload(owner, t0.taskId(), Payloads.encode(new NoneCodec(), run.id().toString(),
                1, 0, 5, Payloads.update(i -> 0.25), 1.0)), 400);
        assertThat(wrongCodec.get("detail").asString()).contains("none").contains("fp16");

        // values that are not finite
        JsonNode nan = assertProblem(upload(owner, t0.taskId(),
                Payloads.fp16(run.id(), 1, 0, 5, Payloads.update(i -> i == 17 ? Double.NaN : 0.25), 1.0)), 400);
        assertThat(nan.get("detail").asString()).contains("non-finite");

        // a valid payload, but from the worker that does not own the task
        assertThat(t1.workerId()).isNotEqualTo(owner);
        JsonNode notOwner = assertProblem(upload(t1.workerId(), t0.taskId(), valid), 403);
        assertThat(notOwner.get("detail").asString()).contains(t1.workerId().toString());
        assertProblem(upload(registerWorker("upload-stranger"), t0.taskId(), valid), 403);

        // a task that does not exist
        assertProblem(upload(owner, UUID.randomUUID(), valid), 404);

        // none of it counted or was kept
        JsonNode e = experiment(run.id());
        assertThat(e.get("status").asString()).isEqualTo("RUNNING");
        assertThat(round(e, 1).get("status").asString()).isEqualTo("OPEN");
        assertThat(round(e, 1).get("uploads").asInt()).isZero();
        assertThat(uploadBlobs(run.id())).isEmpty();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ?",
                Long.class, run.id())).isZero();
        assertThat(PEERS.aggregateCalls()).isZero();

        // the owner's valid upload is then accepted
        JsonNode receipt = json(assertAccepted(upload(owner, t0.taskId(), valid)));
        assertThat(receipt.get("status").asString()).isEqualTo("ACCEPTED");
        assertThat(receipt.get("wireBytes").asLong()).isEqualTo(valid.length);
        // the contract (issue 17): the answer is the shared record, field for field, under these names
        io.cgfed.core.protocol.Receipts.Upload typed = tools.jackson.databind.json.JsonMapper.builder()
                .enable(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build()
                .treeToValue(receipt, io.cgfed.core.protocol.Receipts.Upload.class);
        assertThat(typed.duplicate()).isFalse();
        assertThat(typed.experimentId()).isEqualTo(run.id());
        assertThat(receipt.propertyNames()).containsExactly("status", "experimentId", "round", "clientIndex", "wireBytes",
                "rawBytes");
        assertThat(uploadBlobs(run.id())).hasSize(1);
        sleep(300);
        assertThat(round(experiment(run.id()), 1).get("status").asString()).as("one of two uploads").isEqualTo("OPEN");

        // and with the other client's the round aggregates exactly those two
        byte[] other = Payloads.fp16(run.id(), 1, 1, 5, Payloads.update(i -> 0.5), 1.0);
        assertAccepted(upload(t1.workerId(), t1.taskId(), other));
        JsonNode aggregated = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(round(aggregated, 1).get("uploads").asInt()).isEqualTo(2);
        assertThat(round(aggregated, 1).get("uploadBytes").asLong()).isEqualTo(valid.length + other.length);
        assertThat(PEERS.aggregatedBatches().get(0)).containsExactly(valid, other);
    }

    @Test
    void uploadWithoutAWorkerIdIsUnauthorized() {
        Running run = startExperiment(spec("anonymous-upload"), 1);
        passBaseline(run.id(), run.workers());
        Polled t = awaitTasks(run.workers(), 2).get(0);
        byte[] valid = Payloads.fp16(run.id(), 1, t.client(), 5, Payloads.update(i -> 0.25), 1.0);

        var r = send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + t.taskId() + "/update"))
                .header("Content-Type", "application/octet-stream")
                .PUT(BodyPublishers.ofByteArray(valid)));

        assertThat(assertProblem(r, 401).get("detail").asString()).contains("Cgfed-Worker-Id");
        assertThat(uploadBlobs(run.id())).isEmpty();
    }

    private static <T> java.net.http.HttpResponse<T> assertAccepted(java.net.http.HttpResponse<T> r) {
        assertStatus(r, 202);
        return r;
    }
}
