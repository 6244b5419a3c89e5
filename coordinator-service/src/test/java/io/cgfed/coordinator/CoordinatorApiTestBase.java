package io.cgfed.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.service.support.security.Secrets;
import io.cgfed.testing.SharedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One coordinator for all test classes (the Spring context is cached): real embedded PostgreSQL,
 * real HTTP on a random port, the round driver ticking every 100 ms, and a fake codec-service and
 * registry ({@link FakePeerServices}) on localhost. Tests act as users and workers over HTTP only.
 *
 * <p>Every experiment shares the one database and the round driver binds a new experiment's clients
 * to all live workers, so before each test the leftovers of earlier tests are put out of the way:
 * unfinished experiments are cancelled through the API and every known worker is made stale.
 *
 * <p>Access as in production: the admin key, join token and registry key are this JVM's random
 * secrets; users' changes go with the admin key, workers register with the join token and send their
 * credential on every call (the helpers do it), reads go without credentials (open by default).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class CoordinatorApiTestBase {
    protected static final String WORKER_HEADER = "Cgfed-Worker-Id";
    protected static final JsonMapper JSON = JsonMapper.builder().build();
    protected static final Path BLOB_DIR = tempDir();
    /** This JVM's secrets, as the environment would give them. */
    protected static final String ADMIN_KEY = Secrets.generate("cgfed_");
    protected static final String JOIN_TOKEN = Secrets.generate("cgfj_");
    protected static final String REGISTRY_KEY = Secrets.generate("cgfr_");
    protected static final String CODEC_KEY = Secrets.generate("cgfc_");
    protected static final FakePeerServices PEERS = FakePeerServices.start(REGISTRY_KEY, CODEC_KEY);
    /** Each registered worker's credential, as the registration answered it. */
    protected static final Map<UUID, String> CREDENTIALS = new ConcurrentHashMap<>();
    private static final Pattern POLL = Pattern.compile("/api/v1/workers/([0-9a-fA-F-]{36})/tasks/next.*");
    /** Model weights: they need a credential even where reads are open (cgfed.security.open-weight-reads). */
    protected static final Pattern WEIGHTS = Pattern.compile(".*/(adapters/[^/]+(/peft)?|codec-versions/[^/]+/encoder)");
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @LocalServerPort
    protected int port;

    @Autowired
    protected JdbcTemplate jdbc;

    @DynamicPropertySource
    protected static void coordinatorProperties(DynamicPropertyRegistry r) {
        SharedPostgres.register(r);
        r.add("cgfed.coordinator.blob-dir", BLOB_DIR::toString);
        r.add("cgfed.coordinator.codec-service-url", PEERS::url);
        r.add("cgfed.coordinator.registry-url", PEERS::url);
        r.add("cgfed.coordinator.tick", () -> "100ms");
        r.add("cgfed.security.admin-api-key", () -> ADMIN_KEY);
        r.add("cgfed.security.join-token", () -> JOIN_TOKEN);
        r.add("cgfed.security.registry-api-key", () -> REGISTRY_KEY);
        r.add("cgfed.security.codec-api-key", () -> CODEC_KEY);
        // a codec-service that fails is asked again after 200 ms, 400 ms ... up to 2 s; a slow one times out after 2 s
        r.add("cgfed.coordinator.codec-retry-initial", () -> "200ms");
        r.add("cgfed.coordinator.codec-retry-max", () -> "2s");
        r.add("cgfed.coordinator.codec-service-timeout", () -> "2s");
        // the dataset paths the tests name are under /data (never read at submit); checkpoints in the temp dir
        r.add("cgfed.coordinator.data-roots", () -> "/data");
        r.add("cgfed.coordinator.model-roots", () -> System.getProperty("java.io.tmpdir"));
    }

    @BeforeEach
    protected void isolateFromEarlierTests() {
        for (JsonNode e : json(get("/api/v1/experiments"))) {
            String status = e.get("status").asString();
            if (status.equals("PENDING") || status.equals("RUNNING")) {
                cancelUntilFinal(e.get("id").asString());
            }
        }
        jdbc.update("UPDATE coordinator.workers SET last_seen_at = now() - interval '1 day'");
        PEERS.reset();
    }

    private void cancelUntilFinal(String id) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = post("/api/v1/experiments/" + id + "/cancel", "");
            if (r.statusCode() == 200 || r.statusCode() == 409) {
                return;
            }
            sleep(50);
        }
        fail("could not cancel leftover experiment " + id);
    }

    // ---------------------------------------------------------------- HTTP

    protected String base() {
        return "http://localhost:" + port;
    }

    /**
     * A read, without credentials (reads are open by default) but for model weights, which go with the admin
     * key; a task poll goes as the worker it names.
     */
    protected HttpResponse<String> get(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).GET();
        Matcher poll = POLL.matcher(path);
        return send(poll.matches() ? asWorker(b, UUID.fromString(poll.group(1))) : weightsAsAdmin(path, b));
    }

    protected HttpResponse<byte[]> getBytes(String path) {
        return sendBytes(weightsAsAdmin(path, HttpRequest.newBuilder(URI.create(base() + path)).GET()));
    }

    private static HttpRequest.Builder weightsAsAdmin(String path, HttpRequest.Builder request) {
        return WEIGHTS.matcher(path).matches() ? asAdmin(request) : request;
    }

    /** A user's change, with the admin key. */
    protected HttpResponse<String> post(String path, String jsonBody) {
        return send(asAdmin(HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(jsonBody))));
    }

    protected HttpResponse<String> post(String path, JsonNode body) {
        return post(path, JSON.writeValueAsString(body));
    }

    protected HttpResponse<String> postAs(UUID workerId, String path, JsonNode body) {
        return send(asWorker(HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(JSON.writeValueAsString(body))), workerId));
    }

    protected HttpResponse<String> upload(UUID workerId, UUID taskId, byte[] payload) {
        return send(asWorker(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + taskId + "/update"))
                .header("Content-Type", "application/octet-stream")
                .PUT(BodyPublishers.ofByteArray(payload)), workerId));
    }

    protected static HttpRequest.Builder asAdmin(HttpRequest.Builder request) {
        return request.header("Authorization", "Bearer " + ADMIN_KEY);
    }

    /** Names the worker and shows the credential it got at registration. */
    protected static HttpRequest.Builder asWorker(HttpRequest.Builder request, UUID workerId) {
        String credential = CREDENTIALS.get(workerId);
        assertThat(credential).as("credential of worker %s (registered in this JVM?)", workerId).isNotNull();
        return request.header(WORKER_HEADER, workerId.toString()).header("Authorization", "Bearer " + credential);
    }

    protected HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    protected HttpResponse<byte[]> sendBytes(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    protected static JsonNode json(HttpResponse<String> r) {
        return JSON.readTree(r.body());
    }

    /** Asserts an RFC 9457 problem answer with this status and returns its body. */
    protected static JsonNode assertProblem(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as("status of %s %s, body %s", r.request().method(), r.request().uri(), r.body())
                .isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).as("content type of %s", r.body())
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
        JsonNode p = json(r);
        assertThat(p.path("status").asInt()).isEqualTo(status);
        assertThat(p.path("title").asString()).isNotBlank();
        assertThat(p.path("detail").asString()).isNotBlank();
        return p;
    }

    protected static void assertStatus(HttpResponse<?> r, int status) {
        assertThat(r.statusCode()).as("status of %s %s, body %s", r.request().method(), r.request().uri(), r.body())
                .isEqualTo(status);
    }

    // ---------------------------------------------------------------- experiments

    /** A small valid spec: micro-llama, LoRA rank 2 on q and v, fp16, 2 clients, all needed, 1 round. */
    protected static ObjectNode spec(String name) {
        ObjectNode s = JSON.createObjectNode();
        s.put("name", name);
        s.putObject("model").put("name", Payloads.MODEL);
        s.putObject("dataset").put("name", "demo-mc").put("trainExamples", 16).put("evalExamples", 4);
        s.put("clients", 2);
        s.put("minClients", 2);
        s.put("rounds", 1);
        s.putObject("training").put("localSteps", 1).put("batchSize", 2).put("learningRate", 0.01);
        ObjectNode lora = s.putObject("lora").put("rank", Payloads.RANK).put("alpha", Payloads.ALPHA);
        Payloads.TARGETS.forEach(t -> lora.withArray("targets").add(t));
        s.putObject("codec").put("name", "fp16");
        s.put("seed", 7);
        return s;
    }

    protected UUID submit(ObjectNode spec) {
        HttpResponse<String> r = post("/api/v1/experiments", spec);
        assertStatus(r, 201);
        return UUID.fromString(json(r).get("id").asString());
    }

    protected JsonNode experiment(UUID id) {
        HttpResponse<String> r = get("/api/v1/experiments/" + id);
        assertStatus(r, 200);
        return json(r);
    }

    protected JsonNode awaitExperiment(UUID id, String what, Predicate<JsonNode> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        JsonNode e = experiment(id);
        while (!condition.test(e)) {
            if (System.nanoTime() > deadline) {
                fail("experiment " + id + " never reached: " + what + "; last seen " + e.toPrettyString());
            }
            sleep(50);
            e = experiment(id);
        }
        return e;
    }

    /** The round's summary, or a missing node when the round does not exist (yet). */
    protected static JsonNode round(JsonNode experiment, int round) {
        for (JsonNode r : experiment.get("roundSummaries")) {
            if (r.get("round").asInt() == round) {
                return r;
            }
        }
        return JSON.missingNode();
    }

    protected static Predicate<JsonNode> roundIs(int round, String status) {
        return e -> status.equals(round(e, round).path("status").asString());
    }

    protected static List<Integer> adapterVersions(JsonNode experiment) {
        List<Integer> out = new ArrayList<>();
        experiment.get("adapterVersions").forEach(v -> out.add(v.get("version").asInt()));
        return out;
    }

    protected NamedTensors adapter(UUID experimentId, int version) {
        HttpResponse<byte[]> r = getBytes("/api/v1/experiments/" + experimentId + "/adapters/" + version);
        assertThat(r.statusCode()).isEqualTo(200);
        return SafeTensors.read(r.body());
    }

    /** Files stored under the blob directory for this experiment's uploads. */
    protected static List<Path> uploadBlobs(UUID experimentId) {
        Path dir = BLOB_DIR.resolve("uploads").resolve(experimentId.toString());
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- workers

    /** Registers with the join token; keeps the worker's credential for its later calls. */
    protected UUID registerWorker(String name) {
        HttpResponse<String> r = join("{\"name\":\"" + name + "\",\"device\":\"cpu\"}");
        assertStatus(r, 201);
        return UUID.fromString(json(r).get("workerId").asString());
    }

    /** {@code POST /api/v1/workers} with the join token; a 201's credential is kept for the worker's calls. */
    protected HttpResponse<String> join(String registrationJson) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/workers"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + JOIN_TOKEN)
                .POST(BodyPublishers.ofString(registrationJson)));
        if (r.statusCode() == 201) {
            CREDENTIALS.put(UUID.fromString(json(r).get("workerId").asString()), json(r).get("credential").asString());
        }
        return r;
    }

    /** A task as one worker received it. */
    protected record Polled(UUID workerId, JsonNode task) {
        public UUID taskId() {
            return UUID.fromString(task.get("taskId").asString());
        }

        public String type() {
            return task.get("type").asString();
        }

        public int round() {
            return task.get("round").asInt();
        }

        public int client() {
            return task.get("clientIndex").asInt();
        }

        public int adapterVersion() {
            return task.get("adapterVersion").asInt();
        }

        public UUID experimentId() {
            return UUID.fromString(task.get("experimentId").asString());
        }
    }

    /** Polls the workers (without holding the poll open) until {@code count} tasks have come, in arrival order. */
    protected List<Polled> awaitTasks(Collection<UUID> workers, int count) {
        List<Polled> got = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (got.size() < count) {
            if (System.nanoTime() > deadline) {
                fail("only " + got.size() + " of " + count + " tasks arrived: " + got);
            }
            boolean any = false;
            for (UUID w : workers) {
                HttpResponse<String> r = get("/api/v1/workers/" + w + "/tasks/next?waitSeconds=0");
                if (r.statusCode() == 200) {
                    got.add(new Polled(w, json(r)));
                    any = true;
                } else {
                    assertStatus(r, 204);
                }
            }
            if (!any) {
                sleep(50);
            }
        }
        return got;
    }

    protected Polled awaitTask(Collection<UUID> workers) {
        return awaitTasks(workers, 1).get(0);
    }

    protected HttpResponse<String> reportEvaluation(UUID workerId, UUID taskId, double evalLoss, double accuracy) {
        ObjectNode report = JSON.createObjectNode();
        report.put("evalLoss", evalLoss);
        report.put("perplexity", Math.exp(evalLoss));
        report.put("accuracy", accuracy);
        report.putObject("accuracyByCategory").put("STEM", accuracy);
        report.put("examples", 4);
        return postAs(workerId, "/api/v1/tasks/" + taskId + "/evaluation", report);
    }

    /** Answers a round-0 (baseline) evaluation so that round 1 opens. */
    protected void passBaseline(UUID experimentId, Collection<UUID> workers) {
        Polled eval = awaitTask(workers);
        assertThat(eval.type()).isEqualTo("EVALUATE");
        assertThat(eval.round()).isZero();
        assertThat(eval.experimentId()).isEqualTo(experimentId);
        assertStatus(reportEvaluation(eval.workerId(), eval.taskId(), 5.0, 0.25), 204);
    }

    /** Submits the spec with fresh workers live, and waits until it runs its baseline evaluation. */
    protected Running startExperiment(ObjectNode spec, int workerCount) {
        List<UUID> workers = new ArrayList<>();
        for (int i = 0; i < workerCount; i++) {
            workers.add(registerWorker(spec.get("name").asString() + "-worker-" + i));
        }
        UUID id = submit(spec);
        awaitExperiment(id, "RUNNING", e -> e.get("status").asString().equals("RUNNING"));
        return new Running(id, List.copyOf(workers));
    }

    protected record Running(UUID id, List<UUID> workers) {
    }

    // ---------------------------------------------------------------- operations

    /** The value of one Prometheus sample, e.g. {@code cgfed_uploads_total{kind="update",outcome="accepted",reason="none"}}; 0 when absent. */
    protected double metric(String sample) {
        HttpResponse<String> r = get("/actuator/prometheus");
        assertStatus(r, 200);
        for (String line : r.body().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim().split(" ")[0]);
            }
        }
        return 0;
    }

    /** Makes a worker look as if it had not polled for a day (as if it had been killed). */
    protected void silence(UUID workerId) {
        jdbc.update("UPDATE coordinator.workers SET last_seen_at = now() - interval '1 day' WHERE id = ?", workerId);
    }

    protected static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path tempDir() {
        try {
            Path dir = Files.createTempDirectory("coordinator-blobs-");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
