package io.cgfed.coordinator.task;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** A worker that was away while its round closed gets the current round's task, not the closed one's. */
class UnclaimedTaskTest extends CoordinatorApiTestBase {

    @Test
    void roundClosedAtItsDeadlineWithdrawsTheTasksNoWorkerClaimed() {
        ObjectNode spec = spec("unclaimed");
        spec.put("minClients", 1);
        spec.put("rounds", 2);
        spec.put("roundDeadlineSeconds", 2);
        Running run = startExperiment(spec, 2);
        UUID present = run.workers().get(0);
        UUID away = run.workers().get(1);
        passBaseline(run.id(), List.of(present));

        Polled mine = awaitTasks(List.of(present), 1).get(0);
        assertThat(mine.type()).isEqualTo("TRAIN");
        assertStatus(upload(present, mine.taskId(),
                Payloads.fp16(run.id(), 1, mine.client(), 4, Payloads.update(i -> 0.25), 1.0)), 202);
        awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(jdbc.queryForObject("SELECT status FROM coordinator.tasks WHERE experiment_id = ? AND round = 1 "
                + "AND worker_id = ?", String.class, run.id(), away)).isEqualTo("CANCELLED");

        Polled eval = awaitTask(List.of(present));
        assertThat(eval.type()).isEqualTo("EVALUATE");
        assertStatus(reportEvaluation(present, eval.taskId(), 4.0, 0.5), 204);

        // the worker that was away comes back: its first task is round 2's, not the closed round 1's
        Polled back = awaitTasks(List.of(away), 1).get(0);
        assertThat(back.type()).isEqualTo("TRAIN");
        assertThat(back.round()).isEqualTo(2);
    }
}
