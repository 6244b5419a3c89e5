package io.cgfed.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdateDecoder;
import io.cgfed.core.data.DemoTask;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.protocol.EvaluationReport;
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
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole worker (Spring context, task loop, DJL training and evaluation on micro-llama) against
 * a fake coordinator on localhost. One context for every scenario: the worker registers once and
 * serves the tasks each test queues, one at a time.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"cgfed.worker.poll-wait=1s", "cgfed.worker.name=test-worker", "cgfed.worker.device=cpu",
                "cgfed.worker.retry-delay=100ms"})
class WorkerAgainstFakeCoordinatorTest {
    static final String JOIN_TOKEN = "cgfj_" + UUID.randomUUID() + UUID.randomUUID();
    static final FakeCoordinator COORDINATOR = FakeCoordinator.start(JOIN_TOKEN);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int TRAIN_EXAMPLES = 60;
    private static final int EVAL_EXAMPLES = 20;
    private static final int CLIENTS = 2;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void coordinator(DynamicPropertyRegistry registry) {
        registry.add("cgfed.worker.coordinator-url", COORDINATOR::url);
        registry.add("cgfed.worker.join-token", () -> JOIN_TOKEN);
    }

    static ExperimentSpec spec(String codec) {
        return new ExperimentSpec("worker-test",
                new ExperimentSpec.Model("micro-llama", 0L),
                new ExperimentSpec.Dataset(DemoTask.NAME, 0L, TRAIN_EXAMPLES, EVAL_EXAMPLES, "iid"),
                CLIENTS, 1.0, null, 1,
                new ExperimentSpec.Training(5, 4, 0.01, null, null, null),
                new ExperimentSpec.Lora(4, 8.0, List.of("q", "v")),
                new ExperimentSpec.Codec(codec, null),
                null, 0L);
    }

    static TaskMessage task(TaskType type, int round, int client, String codec) {
        return new TaskMessage(UUID.randomUUID(), type, UUID.randomUUID(), round, client, round, spec(codec));
    }

    @ParameterizedTest(name = "codec {0}")
    @ValueSource(strings = {"none", "fp16"})
    void trainTaskUploadsOneDecodableUpdateFromTheRegisteredWorker(String codec) {
        UUID workerId = awaitRegistration();
        TaskMessage task = task(TaskType.TRAIN, 3, 1, codec);
        COORDINATOR.enqueue(task);

        FakeCoordinator.Report upload = await("the upload of task " + task.taskId(),
                () -> first(FakeCoordinator.forTask(COORDINATOR.uploads(), task.taskId())));
        // the worker has gone back to polling: a second upload of this task would have come by now
        awaitTrue("the worker to poll again after its upload", () -> COORDINATOR.polls() > upload.pollsBefore());
        assertThat(FakeCoordinator.forTask(COORDINATOR.uploads(), task.taskId())).hasSize(1);
        assertThat(FakeCoordinator.forTask(COORDINATOR.failures(), task.taskId())).isEmpty();
        assertThat(upload.workerHeader()).isEqualTo(workerId.toString());

        List<TensorSpec> expectedManifest = TensorSpec.manifestOf(LoraAdapter.layout(
                ModelCatalog.config("micro-llama"), FakeCoordinator.lora(task.spec())));
        UpdateDecoder.DecodedUpdate decoded = UpdateDecoder.decode(upload.body(), expectedManifest);
        PayloadHeader header = decoded.header();
        assertThat(header.experimentId()).isEqualTo(task.experimentId().toString());
        assertThat(header.round()).isEqualTo(3);
        assertThat(header.clientIndex()).isEqualTo(1);
        assertThat(header.codec()).isEqualTo(codec);
        assertThat(header.samples()).isEqualTo(TRAIN_EXAMPLES / CLIENTS);
        assertThat(header.metrics()).containsKeys("trainLoss", "cosine", "snrDb");
        assertThat(header.metrics().get("trainLoss")).isPositive().isFinite();
        double cosine = header.metrics().get("cosine");
        if (codec.equals("none")) {
            assertThat(cosine).isCloseTo(1.0, within(1e-9));
        } else {
            assertThat(cosine).isGreaterThan(0.999).isLessThanOrEqualTo(1.0 + 1e-9);
        }

        float[] values = decoded.update().flatten();
        assertThat(values).hasSize((int) TensorSpec.totalNumel(expectedManifest));
        double sumSquares = 0;
        for (float v : values) {
            sumSquares += (double) v * v;
        }
        assertThat(sumSquares).as("training must move the adapter away from the global one").isPositive();
    }

    @Test
    void anUploadAnswered503IsSentAgainWithBackoffAndArrivesOnce() {
        awaitRegistration();
        TaskMessage task = task(TaskType.TRAIN, 2, 0, "fp16");
        long before = COORDINATOR.answeredUnavailable();
        COORDINATOR.unavailableFor(3);
        COORDINATOR.enqueue(task);

        FakeCoordinator.Report upload = await("the upload of task " + task.taskId(),
                () -> first(FakeCoordinator.forTask(COORDINATOR.uploads(), task.taskId())));
        assertThat(COORDINATOR.answeredUnavailable() - before).as("three 503s, then delivered").isEqualTo(3);
        awaitTrue("the worker to poll again after its upload", () -> COORDINATOR.polls() > upload.pollsBefore());
        assertThat(FakeCoordinator.forTask(COORDINATOR.uploads(), task.taskId())).hasSize(1);
        assertThat(FakeCoordinator.forTask(COORDINATOR.failures(), task.taskId())).as("not given up").isEmpty();
    }

    @Test
    void anAdapterDownloadCutOffMidBodyIsFetchedAgainAndTheTaskCompletes() {
        awaitRegistration();
        TaskMessage task = task(TaskType.TRAIN, 3, 0, "fp16");
        long before = COORDINATOR.adapterDownloadsCut();
        COORDINATOR.truncateAdapterDownloads(2);
        COORDINATOR.enqueue(task);

        await("the upload of task " + task.taskId(), () -> first(FakeCoordinator.forTask(COORDINATOR.uploads(), task.taskId())));
        assertThat(COORDINATOR.adapterDownloadsCut() - before).as("two downloads cut off, then one whole").isEqualTo(2);
        assertThat(FakeCoordinator.forTask(COORDINATOR.failures(), task.taskId())).as("not failed").isEmpty();
    }

    @Test
    void evaluateTaskReportsLossPerplexityAndAccuracyByCategory() {
        UUID workerId = awaitRegistration();
        TaskMessage task = task(TaskType.EVALUATE, 0, 0, "none");
        COORDINATOR.enqueue(task);

        FakeCoordinator.Report report = await("the evaluation of task " + task.taskId(),
                () -> first(FakeCoordinator.forTask(COORDINATOR.evaluations(), task.taskId())));
        assertThat(report.workerHeader()).isEqualTo(workerId.toString());
        EvaluationReport eval = JSON.readValue(report.body(), EvaluationReport.class);

        assertThat(eval.evalLoss()).isPositive().isFinite();
        assertThat(eval.accuracy()).isBetween(0.0, 1.0);
        assertThat(eval.perplexity()).isCloseTo(Math.exp(eval.evalLoss()),
                within(1e-6 * Math.exp(eval.evalLoss())));
        assertThat(eval.examples()).isEqualTo(EVAL_EXAMPLES);
        assertThat(eval.accuracyByCategory()).isNotEmpty();
        assertThat(DemoTask.CATEGORIES).containsAll(eval.accuracyByCategory().keySet());
        assertThat(eval.accuracyByCategory().values()).allSatisfy(a -> assertThat(a).isBetween(0.0, 1.0));
        // the overall accuracy is the per-category ones weighted by the held-out set's category counts
        Map<String, Long> counts = new DemoTask(0L).heldOut(EVAL_EXAMPLES).stream()
                .collect(java.util.stream.Collectors.groupingBy(e -> e.category(), java.util.stream.Collectors.counting()));
        assertThat(eval.accuracyByCategory().keySet()).isEqualTo(counts.keySet());
        double weighted = counts.entrySet().stream()
                .mapToDouble(e -> eval.accuracyByCategory().get(e.getKey()) * e.getValue()).sum() / EVAL_EXAMPLES;
        assertThat(eval.accuracy()).isCloseTo(weighted, within(1e-9));
    }

    @Test
    void trainTaskWhoseAdapterCannotBeFetchedIsReportedAsFailedAndPollingGoesOn() {
        UUID workerId = awaitRegistration();
        TaskMessage doomed = task(TaskType.TRAIN, 0, 0, "none");
        COORDINATOR.adapterMissing(doomed.experimentId());
        TaskMessage later = task(TaskType.EVALUATE, 0, 0, "none");
        COORDINATOR.enqueue(doomed);
        COORDINATOR.enqueue(later);

        FakeCoordinator.Report failure = await("the failure report of task " + doomed.taskId(),
                () -> first(FakeCoordinator.forTask(COORDINATOR.failures(), doomed.taskId())));
        assertThat(failure.workerHeader()).isEqualTo(workerId.toString());
        JsonNode reason = failure.json().path("reason");
        assertThat(reason.isString()).isTrue();
        assertThat(reason.asString()).contains("404");

        await("the task queued after the failed one to be served",
                () -> first(FakeCoordinator.forTask(COORDINATOR.evaluations(), later.taskId())));
        assertThat(FakeCoordinator.forTask(COORDINATOR.uploads(), doomed.taskId())).isEmpty();
        assertThat(FakeCoordinator.forTask(COORDINATOR.failures(), doomed.taskId())).hasSize(1);
    }

    @Test
    void statusReportsTheRegisteredWorkerIdAndTheTasksItCompleted() {
        UUID workerId = awaitRegistration();
        TaskMessage task = task(TaskType.EVALUATE, 0, 0, "none");
        COORDINATOR.enqueue(task);
        await("the evaluation of task " + task.taskId(),
                () -> first(FakeCoordinator.forTask(COORDINATOR.evaluations(), task.taskId())));

        // the worker counts a task after its report reached the coordinator, so wait for the count to
        // match what the coordinator received (other scenarios in this context may have run before)
        JsonNode status = await("the status to count every task the coordinator received", () -> {
            JsonNode s = status();
            long done = COORDINATOR.uploads().size() + COORDINATOR.evaluations().size();
            return s.path("tasksCompleted").asLong() == done
                    && s.path("tasksFailed").asLong() == COORDINATOR.failures().size() ? s : null;
        });
        assertThat(status.path("workerId").asString()).isEqualTo(workerId.toString());
        assertThat(status.path("name").asString()).isEqualTo("test-worker");
        assertThat(status.path("device").asString()).isEqualTo("cpu");
        assertThat(status.path("tasksCompleted").asLong()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void theWorkerJoinsWithTheTokenThenSendsItsOwnCredentialOnEveryCallDownloadsIncluded() {
        UUID workerId = awaitRegistration();
        TaskMessage task = task(TaskType.TRAIN, 1, 0, "fp16");
        COORDINATOR.enqueue(task);

        await("the upload of task " + task.taskId(), () -> first(FakeCoordinator.forTask(COORDINATOR.uploads(), task.taskId())));

        // the fake answers only calls with the worker's id and credential (the adapter download among them)
        assertThat(COORDINATOR.refused()).isEmpty();
        assertThat(COORDINATOR.credential(workerId)).isNotNull();
        assertThat(FakeCoordinator.forTask(COORDINATOR.failures(), task.taskId())).isEmpty();
    }

    @Test
    void theJoinTokenAndTheCredentialAreNeverShownInTheStatus() {
        UUID workerId = awaitRegistration();

        String status = status().toString();
        assertThat(status).doesNotContain(JOIN_TOKEN).doesNotContain(COORDINATOR.credential(workerId));
    }

    private JsonNode status() {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/status"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("status request failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The worker registered exactly once, as configured, and this is its id. */
    private static UUID awaitRegistration() {
        FakeCoordinator.Registration r = await("the worker to register",
                () -> first(COORDINATOR.registrations()));
        assertThat(COORDINATOR.registrations()).hasSize(1);
        assertThat(r.name()).isEqualTo("test-worker");
        assertThat(r.device()).isEqualTo("cpu");
        return r.workerId();
    }

    private static <T> T first(List<T> list) {
        return list.isEmpty() ? null : list.get(0);
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        await(what, () -> condition.getAsBoolean() ? Boolean.TRUE : null);
    }

    private static <T> T await(String what, Supplier<T> probe) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                fail("timed out after " + WAIT.toSeconds() + " s waiting for " + what
                        + "; failures so far: " + COORDINATOR.failures().stream()
                        .map(f -> new String(f.body(), java.nio.charset.StandardCharsets.UTF_8)).toList());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void servesItsOpenApiDocumentAndSwaggerUi() throws Exception {
        HttpResponse<String> doc = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v3/api-docs"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(doc.statusCode()).as(doc.body()).isEqualTo(200);
        JsonNode api = JsonMapper.builder().build().readTree(doc.body());
        assertThat(api.path("openapi").asString()).startsWith("3.");
        assertThat(api.at("/info/title").asString()).isEqualTo("cgfed worker");
        assertThat(api.at("/paths/~1api~1v1~1generate/post").isObject()).as(doc.body()).isTrue();
        assertThat(api.at("/paths/~1api~1v1~1status/get").isObject()).isTrue();
        HttpResponse<String> ui = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/swagger-ui/index.html")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ui.statusCode()).isEqualTo(200);
    }

    @Test
    void generatingNeedsAUsersKeyCheckedByTheCoordinator() throws Exception {
        String body = "{\"experimentId\":\"" + java.util.UUID.randomUUID() + "\",\"prompt\":\"STEM QX a:\"}";
        HttpResponse<String> none = generate(body, null);
        assertThat(none.statusCode()).as(none.body()).isEqualTo(401);
        assertThat(none.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/problem+json"));
        assertThat(generate(body, "cgfed_a-key-the-coordinator-does-not-know").statusCode()).isEqualTo(401);
        assertThat(generate(body, FakeCoordinator.READER_KEY).statusCode()).isEqualTo(403);
        // a USER's key passes; this experiment is unknown to the coordinator, so the answer is its 404
        HttpResponse<String> user = generate(body, FakeCoordinator.USER_KEY);
        assertThat(user.statusCode()).as(user.body()).isEqualTo(404);
        assertThat(JsonMapper.builder().build().readTree(user.body()).path("detail").asString()).contains("no experiment");
    }

    /** Request bodies are read strictly here too (issue 15): a misspelt field or a float count is a 400 naming it. */
    @Test
    void aGenerateRequestWithAnUnknownFieldOrAFloatCountIsA400NamingTheField() throws Exception {
        String id = java.util.UUID.randomUUID().toString();
        HttpResponse<String> unknown = generate("{\"experimentId\":\"" + id + "\",\"prompt\":\"a\",\"maxTokens\":5}",
                FakeCoordinator.USER_KEY);
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
        assertThat(JSON.readTree(unknown.body()).path("errors").path(0).path("field").asString()).isEqualTo("maxTokens");
        HttpResponse<String> floatCount = generate("{\"experimentId\":\"" + id + "\",\"prompt\":\"a\",\"maxNewTokens\":2.5}",
                FakeCoordinator.USER_KEY);
        assertThat(floatCount.statusCode()).as(floatCount.body()).isEqualTo(400);
        assertThat(JSON.readTree(floatCount.body()).path("errors").path(0).path("field").asString()).isEqualTo("maxNewTokens");
    }

    private HttpResponse<String> generate(String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/generate"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
