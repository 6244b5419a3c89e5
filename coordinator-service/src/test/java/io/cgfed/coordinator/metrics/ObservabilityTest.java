package io.cgfed.coordinator.metrics;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** What operators see: health probes, Prometheus metrics that count, log lines that name their experiment and round. */
@ExtendWith(OutputCaptureExtension.class)
class ObservabilityTest extends CoordinatorApiTestBase {
    private static final String ACCEPTED = "cgfed_uploads_total{kind=\"update\",outcome=\"accepted\",reason=\"none\"}";
    private static final String DUPLICATE = "cgfed_uploads_total{kind=\"update\",outcome=\"duplicate\",reason=\"none\"}";
    private static final String DIFFERENT = "cgfed_uploads_total{kind=\"update\",outcome=\"refused\",reason=\"different_upload\"}";
    private static final String INVALID = "cgfed_uploads_total{kind=\"update\",outcome=\"refused\",reason=\"invalid_payload\"}";
    private static final String LATE = "cgfed_uploads_total{kind=\"update\",outcome=\"refused\",reason=\"late\"}";
    private static final String WRONG_WORKER = "cgfed_uploads_total{kind=\"update\",outcome=\"refused\",reason=\"wrong_worker\"}";
    private static final List<String> COUNTED = List.of("cgfed_rounds_opened_total", "cgfed_rounds_closed_total",
            "cgfed_rounds_failed_total", ACCEPTED, DUPLICATE, DIFFERENT, INVALID, LATE, WRONG_WORKER,
            "cgfed_upload_size_bytes_count", "cgfed_upload_size_bytes_sum",
            "cgfed_upload_latency_seconds_count{kind=\"update\",outcome=\"accepted\"}",
            "cgfed_round_close_latency_seconds_count");

    private java.util.Map<String, Double> sample() {
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        COUNTED.forEach(name -> m.put(name, metric(name)));
        return m;
    }

    @Test
    void livenessAndReadinessAreUpWithTheDatabaseAndMigrationsInReadiness() {
        assertStatus(get("/actuator/health/liveness"), 200);
        assertThat(json(get("/actuator/health/liveness")).get("status").asString()).isEqualTo("UP");

        JsonNode readiness = json(get("/actuator/health/readiness"));
        assertThat(readiness.get("status").asString()).isEqualTo("UP");
        assertThat(readiness.at("/components/database/status").asString()).isEqualTo("UP");
        assertThat(readiness.at("/components/readinessState/status").asString()).isEqualTo("UP");
    }

    @Test
    void roundsAndUploadsAreCountedInPrometheus() {
        ObjectNode spec = spec("metrics");
        spec.put("minClients", 1);
        spec.put("rounds", 2);
        spec.put("roundDeadlineSeconds", 2);
        java.util.Map<String, Double> before = sample();
        Running run = startExperiment(spec, 2);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 2).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        Polled t0 = train.get(0);
        Polled t1 = train.get(1);
        byte[] p0 = Payloads.fp16(run.id(), 1, 0, 4, Payloads.update(i -> 0.25), 1.0);

        assertStatus(upload(t0.workerId(), t0.taskId(), p0), 202);
        assertStatus(upload(t0.workerId(), t0.taskId(), p0), 200);
        assertProblem(upload(t0.workerId(), t0.taskId(), Payloads.fp16(run.id(), 1, 0, 4, Payloads.update(i -> -1), 1.0)), 409);
        assertProblem(upload(t1.workerId(), t1.taskId(), new byte[] {1, 2, 3}), 400);
        assertProblem(upload(t0.workerId(), t1.taskId(), p0), 403);
        // client 1 misses the 2 s deadline: the round closes with client 0 alone, client 1 is late
        awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertProblem(upload(t1.workerId(), t1.taskId(), Payloads.fp16(run.id(), 1, 1, 4, Payloads.update(i -> 1), 1.0)), 409);
        Polled eval = awaitTask(run.workers());
        assertStatus(reportEvaluation(eval.workerId(), eval.taskId(), 3.0, 0.5), 204);
        // round 2 opens; nobody uploads and the experiment fails at its deadline
        awaitExperiment(run.id(), "FAILED", e -> e.get("status").asString().equals("FAILED"));

        java.util.Map<String, Double> after = sample();
        java.util.Map<String, Double> delta = new java.util.LinkedHashMap<>();
        after.forEach((k, v) -> delta.put(k, v - before.get(k)));
        assertThat(delta).containsEntry("cgfed_rounds_opened_total", 3.0)
                .containsEntry("cgfed_rounds_closed_total", 2.0)
                .containsEntry("cgfed_rounds_failed_total", 1.0)
                .containsEntry(ACCEPTED, 1.0)
                .containsEntry(DUPLICATE, 1.0)
                .containsEntry(DIFFERENT, 1.0)
                .containsEntry(INVALID, 1.0)
                .containsEntry(WRONG_WORKER, 1.0)
                .containsEntry(LATE, 1.0)
                .containsEntry("cgfed_upload_size_bytes_count", 1.0)
                .containsEntry("cgfed_upload_size_bytes_sum", (double) p0.length)
                .containsEntry("cgfed_upload_latency_seconds_count{kind=\"update\",outcome=\"accepted\"}", 1.0)
                .containsEntry("cgfed_round_close_latency_seconds_count", 1.0);
        String text = get("/actuator/prometheus").body();
        assertThat(text).contains("cgfed_upload_latency_seconds_bucket{").contains("cgfed_round_close_latency_seconds_bucket{");
    }

    @Test
    void logLinesNameTheirExperimentAndRound(CapturedOutput output) {
        ObjectNode spec = spec("log-context");
        Running run = startExperiment(spec, 2);
        passBaseline(run.id(), run.workers());
        awaitTasks(run.workers(), 2);

        String context0 = "[experiment=" + run.id() + " round=0 task=]";
        String context1 = "[experiment=" + run.id() + " round=1 task=]";
        assertThat(lines(output, "experiment " + run.id() + " started")).allSatisfy(l -> assertThat(l).contains(context0))
                .isNotEmpty();
        assertThat(lines(output, "experiment " + run.id() + " round 1 open")).allSatisfy(l -> assertThat(l).contains(context1))
                .isNotEmpty();
        // a request's lines name the task from its path, and the experiment and round of that task
        assertThat(lines(output, "round 0 closed")).anySatisfy(l -> assertThat(l).containsPattern(
                "\\[experiment=" + run.id() + " round=0 task=[0-9a-f-]{36}\\]"));
    }

    private static List<String> lines(CapturedOutput output, String containing) {
        return output.getOut().lines().filter(l -> l.contains(containing)).toList();
    }
}
