package io.cgfed.coordinator.upload;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A 2xx means an update counts exactly once; what comes after the round is closed does not count. */
class DuplicateAndLateUploadTest extends CoordinatorApiTestBase {

    @Test
    void repeatedUploadCountsOnceConflictingOneIsRefusedAndLateOneChangesNothing() {
        // 2 clients, 1 is enough once the 3 s deadline has passed; 2 rounds so the experiment runs on after round 1
        ObjectNode spec = spec("duplicates-and-late");
        spec.put("minClients", 1);
        spec.put("rounds", 2);
        spec.put("roundDeadlineSeconds", 3);
        Running run = startExperiment(spec, 2);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        Polled t0 = train.get(0);
        Polled t1 = train.get(1);
        byte[] payload = Payloads.fp16(run.id(), 1, 0, 4, Payloads.update(i -> 0.25), 1.0);

        HttpResponse<String> first = upload(t0.workerId(), t0.taskId(), payload);
        assertStatus(first, 202);
        assertThat(json(first).get("status").asString()).isEqualTo("ACCEPTED");

        // the same bytes again (a retry after a lost answer): acknowledged, not counted again
        HttpResponse<String> retry = upload(t0.workerId(), t0.taskId(), payload);
        assertStatus(retry, 200);
        JsonNode dup = json(retry);
        assertThat(dup.get("status").asString()).isEqualTo("DUPLICATE");
        assertThat(dup.get("wireBytes").asLong()).isEqualTo(payload.length);
        assertThat(dup.get("clientIndex").asInt()).isZero();

        // a different update for the same task
        byte[] different = Payloads.fp16(run.id(), 1, 0, 4, Payloads.update(i -> -0.25), 1.0);
        JsonNode conflict = assertProblem(upload(t0.workerId(), t0.taskId(), different), 409);
        assertThat(conflict.get("detail").asString()).contains("different update");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ?",
                Long.class, run.id())).isEqualTo(1L);

        // client 1 never uploads: at the deadline the round aggregates client 0's update alone
        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        JsonNode aggregated = round(evaluating, 1);
        assertThat(aggregated.get("uploads").asInt()).isEqualTo(1);
        assertThat(aggregated.get("uploadBytes").asLong()).isEqualTo(payload.length);
        assertThat(PEERS.aggregatedBatches()).hasSize(1);
        assertThat(PEERS.aggregatedBatches().get(0)).containsExactly(payload);

        Polled eval = awaitTask(run.workers());
        assertThat(eval.type()).isEqualTo("EVALUATE");
        assertThat(eval.round()).isEqualTo(1);
        assertStatus(reportEvaluation(eval.workerId(), eval.taskId(), 4.0, 0.5), 204);
        JsonNode closed = awaitExperiment(run.id(), "round 1 CLOSED", roundIs(1, "CLOSED"));
        JsonNode before = round(closed, 1);

        // client 1's update arrives after its round closed
        byte[] late = Payloads.fp16(run.id(), 1, 1, 4, Payloads.update(i -> 0.75), 1.0);
        JsonNode refused = assertProblem(upload(t1.workerId(), t1.taskId(), late), 409);
        assertThat(refused.get("detail").asString()).contains("round 1");

        // and client 0's retry after the close is still only a duplicate
        HttpResponse<String> lateRetry = upload(t0.workerId(), t0.taskId(), payload);
        assertStatus(lateRetry, 200);
        assertThat(json(lateRetry).get("status").asString()).isEqualTo("DUPLICATE");

        JsonNode after = experiment(run.id());
        assertThat(round(after, 1)).as("the closed round's numbers").isEqualTo(before);
        assertThat(adapterVersions(after)).containsExactly(0, 1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ? AND round = 1",
                Long.class, run.id())).isEqualTo(1L);
        assertThat(PEERS.aggregatedBatches()).hasSize(1);
    }

    @Test
    void refusedUploadsLeaveNoBlobBehind() {
        Running run = startExperiment(spec("no-orphan-blobs"), 2);
        passBaseline(run.id(), run.workers());
        Polled t = awaitTasks(run.workers(), 2).get(0);
        byte[] payload = Payloads.fp16(run.id(), 1, t.client(), 4, Payloads.update(i -> 0.25), 1.0);
        assertStatus(upload(t.workerId(), t.taskId(), payload), 202);
        assertThat(uploadBlobs(run.id())).hasSize(1);

        byte[] different = Payloads.fp16(run.id(), 1, t.client(), 4, Payloads.update(i -> -0.25), 1.0);
        assertProblem(upload(t.workerId(), t.taskId(), different), 409);

        assertThat(uploadBlobs(run.id())).as("only the accepted upload is stored").hasSize(1);
    }
}
