package io.cgfed.coordinator.task;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A task whose answer never reached its worker (the coordinator died after committing the assignment):
 * the worker, idle, polls again and gets that same task back instead of the round waiting for it until its
 * deadline (issue 15, fault A). A poll without {@code idle} (a worker that holds several tasks on purpose,
 * as the scripted ones of the crash tests do) is not given it again.
 */
class LostTaskRedeliveryTest extends CoordinatorApiTestBase {
    @Test
    void anIdlePollGetsBackTheTaskItWasAssignedAndNeverReportedOn() {
        Running run = startExperiment(spec("lost-task"), 2);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2);
        Polled lost = train.get(0); // pretend its answer was lost: the worker never ran it

        HttpResponse<String> busy = get("/api/v1/workers/" + lost.workerId() + "/tasks/next?waitSeconds=0");
        assertStatus(busy, 204); // not idle: nothing new, and the held task is not handed out twice
        HttpResponse<String> again = get("/api/v1/workers/" + lost.workerId() + "/tasks/next?waitSeconds=0&idle=true");
        assertStatus(again, 200);
        JsonNode task = json(again);
        assertThat(task.get("taskId").asString()).isEqualTo(lost.taskId().toString());
        assertThat(task.get("round").asInt()).isEqualTo(1);
        assertThat(task.get("clientIndex").asInt()).isEqualTo(lost.client());

        // run it now: the upload completes the task as any other, and the round goes on
        for (Polled t : train) {
            assertStatus(upload(t.workerId(), t.taskId(), Payloads.fp16(run.id(), 1, t.client(), 4,
                    Payloads.update(i -> 0.01), 1.0)), 202);
        }
        awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        // once it is done, an idle poll never hands it back (at most the round's evaluation, if that worker's)
        HttpResponse<String> after = get("/api/v1/workers/" + lost.workerId() + "/tasks/next?waitSeconds=0&idle=true");
        if (after.statusCode() == 200) {
            assertThat(json(after).get("type").asString()).isEqualTo("EVALUATE");
        } else {
            assertStatus(after, 204);
        }
    }
}
