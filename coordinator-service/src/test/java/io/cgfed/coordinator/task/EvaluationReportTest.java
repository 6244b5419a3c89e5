package io.cgfed.coordinator.task;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Evaluation reports are taken only for an EVALUATE task, from its worker, once. */
class EvaluationReportTest extends CoordinatorApiTestBase {

    @Test
    void reportFromAnotherWorkerIsForbiddenAndChangesNothing() {
        Running run = startExperiment(spec("eval-wrong-worker"), 2);
        Polled eval = awaitTask(run.workers());
        assertThat(eval.type()).isEqualTo("EVALUATE");
        UUID other = run.workers().stream().filter(w -> !w.equals(eval.workerId())).findFirst().orElseThrow();

        JsonNode p = assertProblem(reportEvaluation(other, eval.taskId(), 1.0, 0.9), 403);
        assertThat(p.get("detail").asString()).contains(other.toString());
        // a registered worker that serves no client of this experiment
        assertProblem(reportEvaluation(registerWorker("eval-stranger"), eval.taskId(), 1.0, 0.9), 403);
        assertProblem(reportEvaluation(eval.workerId(), UUID.randomUUID(), 1.0, 0.9), 404);

        sleep(300);
        JsonNode e = experiment(run.id());
        assertThat(round(e, 0).get("status").asString()).isEqualTo("EVALUATING");
        assertThat(round(e, 0).get("evalLoss").isNull()).isTrue();
        assertThat(e.get("currentRound").asInt()).isZero();

        // the owner's report is taken, once
        assertStatus(reportEvaluation(eval.workerId(), eval.taskId(), 5.0, 0.25), 204);
        JsonNode closed = awaitExperiment(run.id(), "round 0 CLOSED", roundIs(0, "CLOSED"));
        assertThat(round(closed, 0).get("evalLoss").asDouble()).isEqualTo(5.0);
        JsonNode again = assertProblem(reportEvaluation(eval.workerId(), eval.taskId(), 1.0, 0.9), 409);
        assertThat(again.get("detail").asString()).contains("DONE");
        assertThat(round(experiment(run.id()), 0).get("evalLoss").asDouble()).isEqualTo(5.0);
    }

    @Test
    void evaluationReportOnATrainTaskIsAConflictAndAnUpdateOnAnEvaluateTaskToo() {
        Running run = startExperiment(spec("eval-on-train"), 2);
        Polled baseline = awaitTask(run.workers());

        // an EVALUATE task takes no update
        byte[] payload = Payloads.fp16(run.id(), 0, 0, 4, Payloads.update(i -> 0.25), 1.0);
        JsonNode noUpdate = assertProblem(upload(baseline.workerId(), baseline.taskId(), payload), 409);
        assertThat(noUpdate.get("detail").asString()).contains("EVALUATE");

        assertStatus(reportEvaluation(baseline.workerId(), baseline.taskId(), 5.0, 0.25), 204);
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        Polled t0 = train.get(0);
        assertThat(t0.type()).isEqualTo("TRAIN");

        JsonNode p = assertProblem(reportEvaluation(t0.workerId(), t0.taskId(), 1.0, 0.9), 409);
        assertThat(p.get("detail").asString()).contains("TRAIN");

        sleep(300);
        JsonNode e = experiment(run.id());
        assertThat(round(e, 1).get("status").asString()).isEqualTo("OPEN");
        assertThat(round(e, 1).get("evalLoss").isNull()).isTrue();
        // the TRAIN task still takes its update
        byte[] update = Payloads.fp16(run.id(), 1, 0, 4, Payloads.update(i -> 0.25), 1.0);
        assertStatus(upload(t0.workerId(), t0.taskId(), update), 202);
    }

    @Test
    void incompleteReportIsRejectedNamingTheField() {
        Running run = startExperiment(spec("eval-incomplete"), 1);
        Polled eval = awaitTask(run.workers());
        ObjectNode report = JSON.createObjectNode();
        report.put("perplexity", 10.0);
        report.put("accuracy", 0.5);
        report.put("examples", 4);

        JsonNode p = assertProblem(postAs(eval.workerId(), "/api/v1/tasks/" + eval.taskId() + "/evaluation", report), 400);

        assertThat(p.get("errors").get(0).get("field").asString()).isEqualTo("evalLoss");
        assertThat(round(experiment(run.id()), 0).get("status").asString()).isEqualTo("EVALUATING");
    }

    @Test
    void evaluationNeverReportedFailsTheExperimentAtTheRoundDeadline() {
        ObjectNode spec = spec("eval-never-reported");
        spec.put("roundDeadlineSeconds", 1);
        Running run = startExperiment(spec, 1);
        Polled eval = awaitTask(run.workers());
        assertThat(eval.type()).isEqualTo("EVALUATE");

        JsonNode e = awaitExperiment(run.id(), "no longer RUNNING after the deadline",
                x -> !x.get("status").asString().equals("RUNNING"));

        assertThat(e.get("status").asString()).isEqualTo("FAILED");
        assertThat(e.get("failureReason").asString()).contains("round 0");
        assertThat(round(e, 0).get("status").asString()).isEqualTo("FAILED");
    }
}
