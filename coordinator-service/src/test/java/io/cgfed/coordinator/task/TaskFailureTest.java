package io.cgfed.coordinator.task;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Workers may give up on a task; a round that can no longer reach its quorum fails the experiment. */
class TaskFailureTest extends CoordinatorApiTestBase {

    @Test
    void roundThatCanNoLongerReachItsQuorumFailsTheExperiment() {
        Running run = startExperiment(spec("quorum-lost"), 2);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        Polled t0 = train.get(0);
        Polled t1 = train.get(1);

        // only the owner may give up on a task
        assertProblem(postAs(t0.workerId(), "/api/v1/tasks/" + t1.taskId() + "/failure",
                JSON.createObjectNode().put("reason", "not mine")), 403);

        assertStatus(postAs(t1.workerId(), "/api/v1/tasks/" + t1.taskId() + "/failure",
                JSON.createObjectNode().put("reason", "out of memory")), 204);
        assertStatus(upload(t0.workerId(), t0.taskId(),
                Payloads.fp16(run.id(), 1, 0, 4, Payloads.update(i -> 0.25), 1.0)), 202);

        JsonNode failed = awaitExperiment(run.id(), "FAILED", e -> e.get("status").asString().equals("FAILED"));
        assertThat(failed.get("failureReason").asString()).contains("round 1").contains("1 of the 2");
        assertThat(round(failed, 1).get("status").asString()).isEqualTo("FAILED");
        assertThat(adapterVersions(failed)).containsExactly(0);
        assertThat(PEERS.aggregateCalls()).as("nothing is aggregated").isZero();
        for (UUID w : run.workers()) {
            assertStatus(get("/api/v1/workers/" + w + "/tasks/next?waitSeconds=0"), 204);
        }
        assertProblem(post("/api/v1/experiments/" + run.id() + "/cancel", ""), 409);
    }
}
