package io.cgfed.coordinator.experiment;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Reading and cancelling experiments. */
class ExperimentLifecycleTest extends CoordinatorApiTestBase {

    @Test
    void unknownExperimentIsNotFound() {
        UUID unknown = UUID.randomUUID();

        JsonNode p = assertProblem(get("/api/v1/experiments/" + unknown), 404);
        assertThat(p.get("detail").asString()).contains(unknown.toString());

        assertProblem(post("/api/v1/experiments/" + unknown + "/cancel", ""), 404);
        assertProblem(get("/api/v1/experiments/" + unknown + "/adapters/0"), 404);
    }

    @Test
    void missingAdapterVersionOfAnExistingExperimentIsNotFound() {
        UUID id = submit(spec("no-adapters-yet"));

        JsonNode p = assertProblem(get("/api/v1/experiments/" + id + "/adapters/0"), 404);
        assertThat(p.get("detail").asString()).contains("version 0");
    }

    @Test
    void cancellingAPendingExperimentIsFinalAndCannotBeRepeated() {
        UUID id = submit(spec("cancel-me"));
        assertThat(experiment(id).get("status").asString()).isEqualTo("PENDING");

        HttpResponse<String> cancelled = post("/api/v1/experiments/" + id + "/cancel", "");

        assertStatus(cancelled, 200);
        JsonNode view = json(cancelled);
        assertThat(view.get("status").asString()).isEqualTo("CANCELLED");
        assertThat(view.get("failureReason").asString()).isEqualTo("cancelled by request");
        assertThat(view.get("finishedAt").isNull()).isFalse();
        assertThat(experiment(id).get("status").asString()).isEqualTo("CANCELLED");

        JsonNode again = assertProblem(post("/api/v1/experiments/" + id + "/cancel", ""), 409);
        assertThat(again.get("detail").asString()).contains("CANCELLED");

        // a worker that shows up later does not revive it
        UUID worker = registerWorker("late-worker");
        assertStatus(get("/api/v1/workers/" + worker + "/tasks/next?waitSeconds=1"), 204);
        JsonNode after = experiment(id);
        assertThat(after.get("status").asString()).isEqualTo("CANCELLED");
        assertThat(after.get("roundSummaries")).isEmpty();
        assertThat(after.get("adapterVersions")).isEmpty();
    }

    @Test
    void cancellingARunningExperimentWithdrawsItsTasksAndRefusesItsUploads() {
        Running run = startExperiment(spec("cancel-running"), 2);
        passBaseline(run.id(), run.workers());
        awaitExperiment(run.id(), "round 1 open", roundIs(1, "OPEN"));
        List<Polled> train = awaitTasks(run.workers(), 2);

        assertStatus(post("/api/v1/experiments/" + run.id() + "/cancel", ""), 200);

        Polled t = train.get(0);
        byte[] payload = Payloads.fp16(run.id(), 1, t.client(), 4, Payloads.update(i -> 0.125), 1.0);
        JsonNode p = assertProblem(upload(t.workerId(), t.taskId(), payload), 409);
        assertThat(p.get("detail").asString()).contains("CANCELLED");
        sleep(300);
        JsonNode e = experiment(run.id());
        assertThat(e.get("status").asString()).isEqualTo("CANCELLED");
        assertThat(round(e, 1).get("uploads").asInt()).isZero();
        assertThat(adapterVersions(e)).containsExactly(0);
        for (UUID w : run.workers()) {
            assertStatus(get("/api/v1/workers/" + w + "/tasks/next?waitSeconds=0"), 204);
        }
    }

    @Test
    void cancellingWhileTheExperimentStartsNeverFailsWithAServerError() {
        registerWorker("race-worker");
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            UUID id = submit(spec("cancel-race-" + i));
            sleep(i % 10 * 12L);
            HttpResponse<String> r = post("/api/v1/experiments/" + id + "/cancel", "");
            outcomes.add(r.statusCode() + " " + experiment(id).get("status").asString());
        }
        assertThat(outcomes).as("cancel of an experiment that is starting").allMatch(o -> o.equals("200 CANCELLED"));
    }
}
