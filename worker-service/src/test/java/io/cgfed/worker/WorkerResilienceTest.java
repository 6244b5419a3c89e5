package io.cgfed.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cgfed.core.data.DemoTask;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker against a coordinator that forgets it (as one whose database was replaced does), and
 * what operators see of a worker: heartbeats while a task runs, task log lines that name the
 * experiment, round and task, health probes and Prometheus metrics.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"cgfed.worker.poll-wait=1s", "cgfed.worker.name=resilient-worker", "cgfed.worker.heartbeat=50ms"})
@ExtendWith(OutputCaptureExtension.class)
class WorkerResilienceTest {
    static final String JOIN_TOKEN = "cgfj_" + java.util.UUID.randomUUID() + java.util.UUID.randomUUID();
    static final FakeCoordinator COORDINATOR = FakeCoordinator.start(JOIN_TOKEN);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void coordinator(DynamicPropertyRegistry registry) {
        registry.add("cgfed.worker.coordinator-url", COORDINATOR::url);
        registry.add("cgfed.worker.join-token", () -> JOIN_TOKEN);
    }

    private static ExperimentSpec spec() {
        return new ExperimentSpec("resilience-test", new ExperimentSpec.Model("micro-llama", 0L),
                new ExperimentSpec.Dataset(DemoTask.NAME, 0L, 20, 20, "iid"), 1, 1.0, null, 1,
                new ExperimentSpec.Training(1, 2, 0.01, null, null, null),
                new ExperimentSpec.Lora(2, 4.0, List.of("q", "v")),
                new ExperimentSpec.Codec("fp16", null), null, 0L);
    }

    @Test
    void registersAgainWhenTheCoordinatorNoLongerKnowsIt() {
        awaitTrue("the first registration", () -> COORDINATOR.registrations().size() >= 1);
        int before = COORDINATOR.registrations().size();
        UUID first = COORDINATOR.registrations().get(before - 1).workerId();

        COORDINATOR.forgetWorkers();

        awaitTrue("a new registration", () -> COORDINATOR.registrations().size() > before);
        UUID second = COORDINATOR.registrations().get(COORDINATOR.registrations().size() - 1).workerId();
        assertThat(second).isNotEqualTo(first);
        awaitTrue("the status to show the new id", () -> second.toString().equals(status().path("workerId").asString()));
        // and it polls as the new worker: a task queued now is served
        TaskMessage task = new TaskMessage(UUID.randomUUID(), TaskType.EVALUATE, UUID.randomUUID(), 0, 0, 0, spec());
        COORDINATOR.enqueue(task);
        awaitTrue("the evaluation from the new worker id", () -> FakeCoordinator.forTask(COORDINATOR.evaluations(),
                task.taskId()).stream().anyMatch(r -> second.toString().equals(r.workerHeader())));
    }

    @Test
    void aRunningTaskSendsHeartbeatsAndItsLogLinesNameExperimentRoundAndTask(CapturedOutput output) {
        awaitTrue("a registration", () -> status().path("workerId").isString());
        TaskMessage task = new TaskMessage(UUID.randomUUID(), TaskType.TRAIN, UUID.randomUUID(), 2, 0, 1, spec());
        COORDINATOR.enqueue(task);

        awaitTrue("the upload", () -> !FakeCoordinator.forTask(COORDINATOR.uploads(), task.taskId()).isEmpty());
        awaitTrue("the task's last log line", () -> output.getOut().contains("TRAIN task for client 0 done"));
        String context = "[experiment=" + task.experimentId() + " round=2 task=" + task.taskId() + "]";
        List<String> lines = output.getOut().lines().filter(l -> l.contains("TRAIN task for client 0")).toList();
        assertThat(lines).hasSize(2).allSatisfy(l -> assertThat(l).contains(context));
        UUID worker = UUID.fromString(status().path("workerId").asString());
        awaitTrue("a heartbeat of this worker", () -> COORDINATOR.heartbeats().contains(worker));
    }

    @Test
    void healthProbesAndPrometheusMetricsAreServed() {
        awaitTrue("a registration", () -> status().path("workerId").isString());
        TaskMessage task = new TaskMessage(UUID.randomUUID(), TaskType.EVALUATE, UUID.randomUUID(), 0, 0, 0, spec());
        COORDINATOR.enqueue(task);
        awaitTrue("the evaluation", () -> !FakeCoordinator.forTask(COORDINATOR.evaluations(), task.taskId()).isEmpty());

        assertThat(JSON.readTree(get("/actuator/health/liveness").body()).path("status").asString()).isEqualTo("UP");
        assertThat(JSON.readTree(get("/actuator/health/readiness").body()).path("status").asString()).isEqualTo("UP");
        String metrics = get("/actuator/prometheus").body();
        assertThat(metrics).contains("cgfed_worker_tasks_total{outcome=\"completed\",type=\"EVALUATE\"}")
                .contains("cgfed_worker_task_duration_seconds_count{outcome=\"completed\",type=\"EVALUATE\"}")
                .contains("jvm_memory_used_bytes");
    }

    private HttpResponse<String> get(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode status() {
        return JSON.readTree(get("/api/v1/status").body());
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
