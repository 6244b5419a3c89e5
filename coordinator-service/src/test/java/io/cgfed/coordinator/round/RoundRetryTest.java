package io.cgfed.coordinator.round;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A round below its quorum at its deadline is re-opened while the spec's {@code roundRetries} last,
 * with new tasks for the clients that did not deliver; then it fails the experiment. It never hangs.
 */
class RoundRetryTest extends CoordinatorApiTestBase {
    @org.springframework.beans.factory.annotation.Autowired
    io.cgfed.coordinator.remote.RegistrySync registrySync;


    private int attempt(Running run, int round) {
        return jdbc.queryForObject("SELECT attempt FROM coordinator.rounds WHERE experiment_id = ? AND round = ?",
                Integer.class, run.id(), round);
    }

    @Test
    void roundBelowQuorumAtItsDeadlineIsReopenedForTheClientsThatDidNotUpload() {
        ObjectNode spec = spec("retry-deadline");
        spec.put("roundRetries", 1);
        spec.put("roundDeadlineSeconds", 2);
        Running run = startExperiment(spec, 2);
        double retriedBefore = metric("cgfed_rounds_retried_total");
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        byte[] p0 = Payloads.fp16(run.id(), 1, 0, 2, Payloads.update(i -> 0.25), 1.0);
        assertStatus(upload(train.get(0).workerId(), train.get(0).taskId(), p0), 202);
        assertThat(round(experiment(run.id()), 1).path("status").asString()).isEqualTo("OPEN");

        // client 1 stays silent past the deadline: only it gets a new task, the round stays open
        Polled again = awaitTask(run.workers());
        assertThat(again.type()).isEqualTo("TRAIN");
        assertThat(again.round()).isEqualTo(1);
        assertThat(again.client()).isEqualTo(1);
        assertThat(again.taskId()).isNotEqualTo(train.get(1).taskId());
        assertThat(attempt(run, 1)).isEqualTo(1);
        assertThat(metric("cgfed_rounds_retried_total") - retriedBefore).isEqualTo(1.0);
        JsonNode reopened = experiment(run.id());
        assertThat(reopened.get("status").asString()).isEqualTo("RUNNING");
        assertThat(round(reopened, 1).get("status").asString()).isEqualTo("OPEN");
        assertThat(round(reopened, 1).get("uploads").asInt()).as("client 0's upload still counts").isEqualTo(1);

        assertStatus(upload(again.workerId(), again.taskId(),
                Payloads.fp16(run.id(), 1, 1, 2, Payloads.update(i -> 0.75), 1.0)), 202);
        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(round(evaluating, 1).get("uploads").asInt()).isEqualTo(2);
        assertThat(PEERS.aggregatedBatches()).hasSize(1);
        assertThat(PEERS.aggregatedBatches().get(0)).hasSize(2).first().isEqualTo(p0);
    }

    @Test
    void roundStillBelowQuorumAfterItsRetriesFailsTheExperiment() {
        ObjectNode spec = spec("retry-exhausted");
        spec.put("roundRetries", 1);
        spec.put("roundDeadlineSeconds", 1);
        Running run = startExperiment(spec, 2);
        double failedBefore = metric("cgfed_rounds_failed_total");
        passBaseline(run.id(), run.workers());
        awaitTasks(run.workers(), 2);
        // nobody uploads: the first deadline re-opens the round with new tasks, the second fails it
        awaitTasks(run.workers(), 2);

        JsonNode failed = awaitExperiment(run.id(), "FAILED", e -> e.get("status").asString().equals("FAILED"));
        assertThat(failed.get("failureReason").asString()).contains("round 1").contains("0 of the 2")
                .contains("deadline");
        assertThat(round(failed, 1).get("status").asString()).isEqualTo("FAILED");
        assertThat(attempt(run, 1)).isEqualTo(1);
        assertThat(metric("cgfed_rounds_failed_total") - failedBefore).isEqualTo(1.0);
        assertThat(PEERS.aggregateCalls()).isZero();
        // the failed round is on record at the registry, with the reason
        registrySync.sync(run.id());
        JsonNode recorded = PEERS.registryRound(run.id(), 1);
        assertThat(recorded).as("round 1 sent to the registry").isNotNull();
        assertThat(recorded.at("/metrics/status").asString()).isEqualTo("FAILED");
        assertThat(recorded.at("/metrics/failureReason").asString()).contains("round 1").contains("deadline");
        assertThat(recorded.at("/metrics/clients").size()).as("each client's outcome").isEqualTo(2);
    }

    @Test
    void aFailedTaskIsRetriedAtOnceWhenEveryOtherTaskHasSettled() {
        ObjectNode spec = spec("retry-failed-task");
        spec.put("roundRetries", 2);
        Running run = startExperiment(spec, 2);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        assertStatus(upload(train.get(0).workerId(), train.get(0).taskId(),
                Payloads.fp16(run.id(), 1, 0, 2, Payloads.update(i -> 0.25), 1.0)), 202);

        assertStatus(postAs(train.get(1).workerId(), "/api/v1/tasks/" + train.get(1).taskId() + "/failure",
                JSON.createObjectNode().put("reason", "out of memory")), 204);

        // the 300 s deadline is far: the round re-opens because nothing more can arrive
        Polled again = awaitTask(run.workers());
        assertThat(again.client()).isEqualTo(1);
        assertThat(again.round()).isEqualTo(1);
        assertThat(experiment(run.id()).get("status").asString()).isEqualTo("RUNNING");
    }
}
