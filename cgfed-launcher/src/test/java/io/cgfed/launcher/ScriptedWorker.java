package io.cgfed.launcher;

import io.cgfed.core.aggregation.Aggregator;
import io.cgfed.core.aggregation.FedAvg;
import io.cgfed.core.codec.Fp16Codec;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdateDecoder;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A simulated worker for the fault tests: it registers, long-polls and uploads through the
 * coordinator's real HTTP API, but trains nothing. Its updates are deterministic in (round, client),
 * so a test knows every byte that was sent and can compute the adapter an honest coordinator must
 * produce from them. Also the few coordinator and database reads those tests share.
 */
final class ScriptedWorker {
    static final ObjectMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    static final String MODEL = "tiny-llama";
    static final int RANK = 8;
    static final double ALPHA = 16;
    static final List<String> TARGETS = List.of("q", "k", "v", "o");

    /** This run's admin API key and join token (the platform makes fresh ones per run). */
    private static volatile String adminKey;
    private static volatile String joinToken;

    final UUID id;
    final String name;
    private final String credential;

    private ScriptedWorker(UUID id, String name, String credential) {
        this.id = id;
        this.name = name;
        this.credential = credential;
    }

    static void useSecrets(String adminApiKey, String workerJoinToken) {
        adminKey = adminApiKey;
        joinToken = workerJoinToken;
    }

    /** A request as this worker: its id and the credential registration gave it. */
    private HttpRequest.Builder asWorker(HttpRequest.Builder request) {
        return request.header("Cgfed-Worker-Id", id.toString()).header("Authorization", "Bearer " + credential);
    }

    /** A request with the run's admin key (reads of experiments and adapters). */
    static HttpRequest.Builder asAdmin(HttpRequest.Builder request) {
        return request.header("Authorization", "Bearer " + adminKey);
    }

    static ScriptedWorker register(String coordinatorUrl, String name) throws IOException, InterruptedException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(coordinatorUrl + "/api/v1/workers"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + joinToken)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"device\":\"scripted\"}")).build());
        require(r, 201);
        JsonNode answer = JSON.readTree(r.body());
        return new ScriptedWorker(UUID.fromString(answer.get("workerId").asString()), name,
                answer.get("credential").asString());
    }

    /** One long poll: the task, or empty when none came within {@code waitSeconds}. */
    Optional<JsonNode> poll(String coordinatorUrl, int waitSeconds) throws IOException, InterruptedException {
        HttpResponse<String> r = send(asWorker(HttpRequest.newBuilder(URI.create(coordinatorUrl + "/api/v1/workers/" + id
                + "/tasks/next?waitSeconds=" + waitSeconds))).timeout(Duration.ofSeconds(waitSeconds + 30L)).GET().build());
        if (r.statusCode() == 204) {
            return Optional.empty();
        }
        require(r, 200);
        return Optional.of(JSON.readTree(r.body()));
    }

    /**
     * PUT the update; the caller judges the answer. {@code trickle}: the body goes out over about 10 s, with
     * its Content-Length declared (a body of unknown length takes the coordinator's whole upload budget,
     * {@code UploadAdmission}, and would hold every other upload back until it is done).
     */
    HttpResponse<String> upload(String coordinatorUrl, UUID taskId, byte[] payload, boolean trickle)
            throws IOException, InterruptedException {
        HttpRequest.BodyPublisher body = trickle
                ? HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new TrickleInputStream(payload, 1024, 700)),
                        payload.length)
                : HttpRequest.BodyPublishers.ofByteArray(payload);
        return send(asWorker(HttpRequest.newBuilder(URI.create(coordinatorUrl + "/api/v1/tasks/" + taskId + "/update")))
                .header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofSeconds(60)).PUT(body).build());
    }

    /** A secure aggregation stage task's input. */
    io.cgfed.core.secagg.Messages.StageInput secaggInput(String coordinatorUrl, UUID taskId) throws IOException, InterruptedException {
        HttpResponse<String> r = send(asWorker(HttpRequest.newBuilder(URI.create(coordinatorUrl + "/api/v1/tasks/" + taskId
                + "/secagg"))).GET().build());
        require(r, 200);
        return JSON.readValue(r.body(), io.cgfed.core.secagg.Messages.StageInput.class);
    }

    /** A secure aggregation stage task's delivery; the caller judges the answer. */
    HttpResponse<String> secaggDeliver(String coordinatorUrl, UUID taskId, byte[] body, String contentType)
            throws IOException, InterruptedException {
        return send(asWorker(HttpRequest.newBuilder(URI.create(coordinatorUrl + "/api/v1/tasks/" + taskId + "/secagg")))
                .header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    /** A fixed evaluation report: the tests look at adapters, not at scores. */
    void evaluate(String coordinatorUrl, UUID taskId) throws IOException, InterruptedException {
        HttpResponse<String> r = send(asWorker(HttpRequest.newBuilder(URI.create(coordinatorUrl + "/api/v1/tasks/" + taskId
                        + "/evaluation"))).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"evalLoss\":1.0,\"perplexity\":2.718,\"accuracy\":0.5,\"examples\":8}")).build());
        require(r, 204);
    }

    @Override
    public String toString() {
        return name + " (" + id + ")";
    }

    // ---- the experiment the scripted workers serve, and its deterministic updates ----

    /** An fp16 experiment on the tiny model; the training and data fields are validated but never used. */
    static Map<String, Object> spec(String name, int clients, int minClients, int rounds, int deadlineSeconds) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("name", name);
        spec.put("model", Map.of("name", MODEL, "seed", 1));
        spec.put("dataset", Map.of("name", "demo-mc", "seed", 7, "trainExamples", 40 * clients, "evalExamples", 8,
                "partition", "iid"));
        spec.put("clients", clients);
        spec.put("fractionPerRound", 1.0);
        spec.put("minClients", minClients);
        spec.put("rounds", rounds);
        spec.put("training", Map.of("localSteps", 1, "batchSize", 4, "learningRate", 0.01));
        spec.put("lora", Map.of("rank", RANK, "alpha", ALPHA, "targets", TARGETS));
        spec.put("codec", Map.of("name", "fp16", "settings", Map.of()));
        spec.put("roundDeadlineSeconds", deadlineSeconds);
        spec.put("seed", 42);
        return spec;
    }

    /** Client {@code client}'s update in round {@code round}: small Gaussian values, the same on every call. */
    static NamedTensors update(int round, int client) {
        Random random = new Random(1_000_003L * round + client);
        NamedTensors out = new NamedTensors();
        LoraAdapter.shapes(ModelCatalog.config(MODEL),
                        new LoraConfig(RANK, ALPHA, TARGETS.stream().map(LoraTarget::parse).toList()))
                .forEach((tensor, shape) -> {
                    float[] data = new float[(int) FloatTensor.numel(shape)];
                    for (int i = 0; i < data.length; i++) {
                        data[i] = (float) (0.01 * random.nextGaussian());
                    }
                    out.put(tensor, new FloatTensor(shape, data));
                });
        return out;
    }

    /** Uneven sample counts, so that FedAvg's weights matter. */
    static long samples(int round, int client) {
        return 10 + (7L * client + 3L * round) % 23;
    }

    /** The CGFU payload a worker sends for (experiment, round, client), fp16-encoded. */
    static byte[] payload(String experimentId, int round, int client) {
        return payload(experimentId, round, client, update(round, client));
    }

    static byte[] payload(String experimentId, int round, int client, NamedTensors update) {
        Fp16Codec codec = new Fp16Codec();
        PayloadHeader header = new PayloadHeader(experimentId, round, client, codec.name(), 0, samples(round, client),
                TensorSpec.manifestOf(update), Map.of("trainLoss", 1.0 + client / 100.0));
        return new UpdatePayload(header, codec.encode(update)).toBytes();
    }

    /**
     * What the coordinator must publish as adapter {@code round}: the previous adapter plus the
     * sample-weighted FedAvg of what was decoded from the given clients' payloads, in client order
     * (the order the coordinator hands them to the codec-service).
     */
    static NamedTensors expectedNext(NamedTensors previous, String experimentId, int round, List<Integer> clients) {
        List<Aggregator.WeightedUpdate> updates = new ArrayList<>();
        for (int client : clients.stream().sorted().toList()) {
            NamedTensors update = update(round, client);
            UpdateDecoder.DecodedUpdate d = UpdateDecoder.decode(payload(experimentId, round, client, update),
                    TensorSpec.manifestOf(update));
            updates.add(new Aggregator.WeightedUpdate(d.update(), d.header().samples()));
        }
        return previous.plus(new FedAvg().aggregate(updates));
    }

    /** True when both hold the same tensors, in the same order, with bit-identical values. */
    static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean sameTensors(NamedTensors a, NamedTensors b) {
        if (!new ArrayList<>(a.names()).equals(new ArrayList<>(b.names()))) {
            return false;
        }
        for (String n : a.names()) {
            if (!java.util.Arrays.equals(a.get(n).shape(), b.get(n).shape())
                    || !java.util.Arrays.equals(a.get(n).data(), b.get(n).data())) {
                return false;
            }
        }
        return true;
    }

    // ---- reads the tests share ----

    static JsonNode experiment(String coordinatorUrl, String id) throws IOException, InterruptedException {
        HttpResponse<String> r = send(asAdmin(HttpRequest.newBuilder(URI.create(coordinatorUrl + "/api/v1/experiments/" + id)))
                .GET().build());
        require(r, 200);
        return JSON.readTree(r.body());
    }

    /** The experiment once it is no longer PENDING or RUNNING, or as it is after a minute. */
    static JsonNode awaitFinished(String coordinatorUrl, String id) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode e = experiment(coordinatorUrl, id);
            String status = e.get("status").asString();
            if (!status.equals("PENDING") && !status.equals("RUNNING") || System.nanoTime() > deadline) {
                return e;
            }
            Thread.sleep(200);
        }
    }

    static String submit(String coordinatorUrl, Map<String, Object> spec) throws IOException, InterruptedException {
        return new CoordinatorApi(coordinatorUrl, adminKey).submit(spec).get("id").asString();
    }

    static NamedTensors adapter(String coordinatorUrl, String id, int version) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = HTTP.send(asAdmin(HttpRequest.newBuilder(URI.create(coordinatorUrl + "/api/v1/experiments/" + id
                + "/adapters/" + version))).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IOException("adapter " + version + " of " + id + ": HTTP " + r.statusCode());
        }
        return SafeTensors.read(r.body());
    }

    /** Rows of a query against the platform's database, each row its columns in order. */
    static List<List<Object>> query(String jdbcUrl, String sql, Object... args) {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
             PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            List<List<Object>> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        row.add(rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    static long count(String jdbcUrl, String sql, Object... args) {
        return ((Number) query(jdbcUrl, sql, args).get(0).get(0)).longValue();
    }

    static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static void require(HttpResponse<String> r, int status) throws IOException {
        if (r.statusCode() != status) {
            throw new IOException(r.request().method() + " " + r.request().uri() + " answered " + r.statusCode() + ": "
                    + r.body());
        }
    }

    /** Hands its bytes out a chunk at a time with a pause before each: an upload that stays in flight. */
    private static final class TrickleInputStream extends InputStream {
        private final ByteArrayInputStream in;
        private final int chunk;
        private final long pauseMs;

        TrickleInputStream(byte[] bytes, int chunk, long pauseMs) {
            this.in = new ByteArrayInputStream(bytes);
            this.chunk = chunk;
            this.pauseMs = pauseMs;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (in.available() == 0) {
                return -1;
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return in.read(b, off, Math.min(len, chunk));
        }
    }
}
