package io.cgfed.coordinator.attachment;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.codec.NoneCodec;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.tensor.NamedTensors;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What tasks send besides their update: TGAP collections (COLLECT tasks of a learned codec), raw
 * updates in audit mode, FAF contributions. Bad ones are refused whole with a problem; good ones count
 * once.
 */
class TaskAttachmentTest extends CoordinatorApiTestBase {

    HttpResponse<String> attach(UUID workerId, UUID taskId, String kind, byte[] body) {
        return send(asWorker(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + taskId + "/" + kind))
                .header("Content-Type", "application/octet-stream")
                .PUT(BodyPublishers.ofByteArray(body)), workerId));
    }

    static byte[] snapshot(UUID experiment, int client, int step, NamedTensors u) {
        return Payloads.encode(new NoneCodec(), experiment.toString(), 0, client, 8, u, 1.0);
    }

    @Test
    void aLearnedCodecStartsWithTgapCollectionsThatAreCheckedBeforeTheyCount() {
        ObjectNode spec = spec("tgap-collect");
        spec.putObject("codec").put("name", "cgae").putObject("settings").put("collectRounds", 2);
        ((ObjectNode) spec.get("dataset")).put("tgapFraction", 0.3);
        Running run = startExperiment(spec, 1);
        List<Polled> collect = awaitTasks(run.workers(), 2);
        assertThat(collect).allSatisfy(t -> assertThat(t.type()).isEqualTo("COLLECT"));
        assertThat(round(experiment(run.id()), 0).path("status").asString()).isEqualTo("COLLECTING");
        Polled first = collect.stream().filter(t -> t.client() == 0).findFirst().orElseThrow();
        UUID w = first.workerId();
        NamedTensors u = Payloads.update(i -> 0.001 * i);

        assertProblem(attach(w, first.taskId(), "collection", new byte[] {1, 2, 3}), 400);
        byte[] wrongClient = PayloadBatch.write(List.of(snapshot(run.id(), 1, 1, u)));
        assertThat(assertProblem(attach(w, first.taskId(), "collection", wrongClient), 400).path("detail").asString())
                .contains("snapshot 0").contains("client 1");
        byte[] wrongLayout = PayloadBatch.write(List.of(Payloads.encode(new NoneCodec(), run.id().toString(), 0, 0, 8,
                Payloads.update(2 * Payloads.RANK, i -> 0.5), 1.0)));
        assertProblem(attach(w, first.taskId(), "collection", wrongLayout), 400);
        // a contribution or an audit copy belongs to a TRAIN task
        assertProblem(attach(w, first.taskId(), "audit", snapshot(run.id(), 0, 1, u)), 409);

        byte[] good = PayloadBatch.write(List.of(snapshot(run.id(), 0, 1, u), snapshot(run.id(), 0, 2, u)));
        HttpResponse<String> accepted = attach(w, first.taskId(), "collection", good);
        assertStatus(accepted, 202);
        assertThat(json(accepted).get("items").asInt()).isEqualTo(2);
        assertStatus(attach(w, first.taskId(), "collection", good), 200);
        byte[] other = PayloadBatch.write(List.of(snapshot(run.id(), 0, 1, Payloads.update(i -> 0.002))));
        assertProblem(attach(w, first.taskId(), "collection", other), 409);
        // one of two clients has collected: the round waits for the other
        sleep(500);
        assertThat(round(experiment(run.id()), 0).path("status").asString()).isEqualTo("COLLECTING");
        // another worker's task is not this worker's to fill
        Polled second = collect.stream().filter(t -> t.client() == 1).findFirst().orElseThrow();
        assertProblem(attach(registerWorker("collect-stranger"), second.taskId(), "collection", good), 403);
    }

    @Test
    void auditModeTakesRawUpdatesBeforeTheEncodedOneAndReportsAggregateFidelity() {
        ObjectNode spec = spec("audit-fp16");
        ((ObjectNode) spec.get("codec")).put("audit", true);
        Running run = startExperiment(spec, 2);
        JsonNode view = experiment(run.id());
        assertThat(view.get("audit").asBoolean()).isTrue();
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2);
        for (Polled t : train) {
            NamedTensors u = Payloads.update(i -> 0.01 * (i % 7 - 3) * (t.client() + 1));
            byte[] raw = Payloads.encode(new NoneCodec(), run.id().toString(), 1, t.client(), 8, u, 1.0);
            if (t.client() == 0) {
                assertProblem(attach(t.workerId(), t.taskId(), "audit", Payloads.encode(new NoneCodec(), run.id().toString(),
                        1, 1, 8, u, 1.0)), 400);
                assertThat(assertProblem(attach(t.workerId(), t.taskId(), "contribution", new byte[8]), 409)
                        .path("detail").asString()).contains("not asked");
            }
            assertStatus(attach(t.workerId(), t.taskId(), "audit", raw), 202);
            assertStatus(attach(t.workerId(), t.taskId(), "audit", raw), 200);
            assertStatus(upload(t.workerId(), t.taskId(), Payloads.fp16(run.id(), 1, t.client(), 8, u, 1.0)), 202);
            // after the update the task is done: a different audit copy comes too late
            assertProblem(attach(t.workerId(), t.taskId(), "audit", Payloads.encode(new NoneCodec(), run.id().toString(),
                    1, t.client(), 8, Payloads.update(i -> 0.3), 1.0)), 409);
        }
        JsonNode e = awaitExperiment(run.id(), "round 1 evaluating", roundIs(1, "EVALUATING"));
        JsonNode r1 = round(e, 1);
        assertThat(r1.get("auditedUpdates").asInt()).isEqualTo(2);
        // fp16 loses almost nothing: the aggregate of reconstructions matches the raw aggregate
        assertThat(r1.get("aggregateCosine").asDouble()).isGreaterThan(0.9999);
        // in the weight change, averaging A and B apart loses the cross terms dB_i dA_i of two clients of different
        // sizes: close to, and below, the exact mean of their weight changes
        assertThat(r1.get("aggregateDeltaWCosine").asDouble()).isBetween(0.9, 0.999999);
    }

    @Test
    void rawUpdatesAreRefusedWhenTheExperimentIsNotInAuditMode() {
        Running run = startExperiment(spec("no-audit"), 2);
        passBaseline(run.id(), run.workers());
        Polled t = awaitTasks(run.workers(), 1).get(0);
        NamedTensors u = Payloads.update(i -> 0.01);
        assertThat(assertProblem(attach(t.workerId(), t.taskId(), "audit", Payloads.encode(new NoneCodec(),
                run.id().toString(), 1, t.client(), 8, u, 1.0)), 409).path("detail").asString()).contains("audit mode");
    }

    @Test
    void aLearnedCodecNeedsATgapShareOfTheData() {
        ObjectNode spec = spec("cgae-without-d1");
        spec.putObject("codec").put("name", "cgae");
        JsonNode p = assertProblem(post("/api/v1/experiments", spec), 400);
        assertThat(p.toString()).contains("dataset.tgapFraction");
        ObjectNode bad = spec("cgae-bad-setting");
        bad.putObject("codec").put("name", "cgae").putObject("settings").put("compression", 4);
        ((ObjectNode) bad.get("dataset")).put("tgapFraction", 0.3);
        assertThat(assertProblem(post("/api/v1/experiments", bad), 400).toString()).contains("codec.settings");
    }
}
