package io.cgfed.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.tensor.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Just enough of the coordinator's REST API for one worker, on a free localhost port:
 * <ul>
 *   <li>{@code POST /api/v1/workers}: with the join token ({@code Authorization: Bearer}), registers and
 *       answers 201 with a fresh worker id and credential; 401 without it;</li>
 *   <li>every other call must carry a registered worker's id ({@code Cgfed-Worker-Id}) and its
 *       credential ({@code Authorization: Bearer}), as the real coordinator wants; 401 and recorded as
 *       refused otherwise;</li>
 *   <li>{@code GET /api/v1/workers/{id}/tasks/next}: hands out each queued task once, holding the
 *       poll open up to {@code waitSeconds} as the real coordinator does, else 204; 404 for a worker
 *       it does not know (never registered, or forgotten as by a coordinator whose database was replaced);</li>
 *   <li>{@code PUT /api/v1/workers/{id}/heartbeat}: records it, 204 (404 for an unknown worker);</li>
 *   <li>{@code GET /api/v1/experiments/{id}/adapters/{v}}: a freshly initialised micro-llama adapter
 *       for the experiment's LoRA settings as safetensors, or 404 for experiments marked missing;</li>
 *   <li>{@code PUT /api/v1/tasks/{id}/update}, {@code POST .../evaluation}, {@code POST .../failure}:
 *       records body and {@code Cgfed-Worker-Id} header; {@link #unavailableFor} makes the next ones
 *       answer 503, as a coordinator whose database is away does.</li>
 * </ul>
 */
public final class FakeCoordinator {
    /** API keys this fake coordinator knows, for {@code GET /api/v1/api-keys/self}: a USER's and a READER's. */
    public static final String USER_KEY = "cgfed_user-key-for-the-fake-coordinator";
    public static final String READER_KEY = "cgfed_reader-key-for-the-fake-coordinator";
    public static final String WORKER_HEADER = "Cgfed-Worker-Id";
    public static final long ADAPTER_SEED = 42;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern NEXT_TASK = Pattern.compile("/api/v1/workers/([^/]+)/tasks/next");
    private static final Pattern HEARTBEAT = Pattern.compile("/api/v1/workers/([^/]+)/heartbeat");
    private static final Pattern ADAPTER = Pattern.compile("/api/v1/experiments/([^/]+)/adapters/(\\d+)");
    private static final Pattern TASK_REPORT = Pattern.compile("/api/v1/tasks/([^/]+)/(update|evaluation|failure)");

    /** What one worker sent for one task. */
    public record Report(UUID taskId, String workerHeader, byte[] body, long pollsBefore) {
        public JsonNode json() {
            return JSON.readTree(body);
        }
    }

    /** One registration request as the worker sent it. */
    public record Registration(UUID workerId, String name, String device, Long memoryBudgetBytes) {
    }

    private final HttpServer server;
    private final String joinToken;
    private final Map<UUID, String> credentials = new ConcurrentHashMap<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private final BlockingQueue<TaskMessage> queue = new LinkedBlockingQueue<>();
    private final Map<UUID, ExperimentSpec> specs = new ConcurrentHashMap<>();
    private final Set<UUID> missingAdapters = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger truncated = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong cut = new java.util.concurrent.atomic.AtomicLong();
    private final List<Registration> registrations = new CopyOnWriteArrayList<>();
    private final List<Report> uploads = new CopyOnWriteArrayList<>();
    private final List<Report> evaluations = new CopyOnWriteArrayList<>();
    private final List<Report> failures = new CopyOnWriteArrayList<>();
    private final AtomicLong polls = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger unavailable = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLong refusedAsUnavailable = new AtomicLong();
    private final Set<UUID> known = ConcurrentHashMap.newKeySet();
    private final List<UUID> heartbeats = new CopyOnWriteArrayList<>();

    private FakeCoordinator(HttpServer server, String joinToken) {
        this.server = server;
        this.joinToken = joinToken;
        server.createContext("/api/v1/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-coordinator");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** @param joinToken what a worker must show to register */
    public static FakeCoordinator start(String joinToken) {
        try {
            return new FakeCoordinator(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0),
                    joinToken);
        } catch (IOException e) {
            throw new IllegalStateException("fake coordinator did not start", e);
        }
    }

    public String url() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    /** Queues a task for the next poll; its experiment's adapter is served from then on. */
    public void enqueue(TaskMessage task) {
        specs.put(task.experimentId(), task.spec());
        queue.add(task);
    }

    /** The next {@code downloads} adapter downloads send half their body and close (a coordinator killed mid-stream). */
    public void truncateAdapterDownloads(int downloads) {
        truncated.set(downloads);
    }

    /** How many adapter downloads {@link #truncateAdapterDownloads} cut off. */
    public long adapterDownloadsCut() {
        return cut.get();
    }

    /** Makes the adapter download of this experiment answer 404. */
    public void adapterMissing(UUID experimentId) {
        missingAdapters.add(experimentId);
    }

    /** The next {@code reports} update, evaluation and failure reports are answered 503 (and not recorded). */
    public void unavailableFor(int reports) {
        unavailable.set(reports);
    }

    /** How many reports were answered 503 by {@link #unavailableFor}. */
    public long answeredUnavailable() {
        return refusedAsUnavailable.get();
    }

    public List<Registration> registrations() {
        return List.copyOf(registrations);
    }

    public List<Report> uploads() {
        return List.copyOf(uploads);
    }

    public List<Report> evaluations() {
        return List.copyOf(evaluations);
    }

    public List<Report> failures() {
        return List.copyOf(failures);
    }

    public long polls() {
        return polls.get();
    }

    /** Calls refused for missing or wrong credentials: "METHOD path". */
    public List<String> refused() {
        return List.copyOf(refused);
    }

    /** The credential this worker was given at registration. */
    public String credential(UUID workerId) {
        return credentials.get(workerId);
    }

    /** Forgets every registered worker: their polls and heartbeats get 404 from now on. */
    public void forgetWorkers() {
        known.clear();
    }

    /** The worker ids that sent heartbeats, in order. */
    public List<UUID> heartbeats() {
        return List.copyOf(heartbeats);
    }

    public static List<Report> forTask(List<Report> reports, UUID taskId) {
        return reports.stream().filter(r -> r.taskId().equals(taskId)).toList();
    }

    /** The LoRA settings of a spec, as the worker derives them. */
    public static LoraConfig lora(ExperimentSpec spec) {
        return new LoraConfig(spec.lora().rank(), spec.lora().alpha(),
                spec.lora().targets().stream().map(LoraTarget::parse).distinct().toList());
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            byte[] body = readAll(ex.getRequestBody());
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            Matcher m;
            String authorization = ex.getRequestHeaders().getFirst("Authorization");
            if (method.equals("POST") && path.equals("/api/v1/workers")) {
                if (!("Bearer " + joinToken).equals(authorization)) {
                    refused.add(method + " " + path);
                    send(ex, 401, "application/problem+json", "{\"title\":\"Unauthorized\",\"status\":401}"
                            .getBytes(StandardCharsets.UTF_8));
                    return;
                }
                JsonNode req = JSON.readTree(body);
                UUID id = UUID.randomUUID();
                String credential = "cgfw_" + UUID.randomUUID() + UUID.randomUUID();
                credentials.put(id, credential);
                registrations.add(new Registration(id, req.path("name").asString(null), req.path("device").asString(null),
                        req.hasNonNull("memoryBudgetBytes") ? req.get("memoryBudgetBytes").asLong() : null));
                known.add(id);
                send(ex, 201, "application/json", JSON.writeValueAsBytes(Map.of("workerId", id.toString(), "pollSeconds", 1,
                        "credential", credential)));
            } else if (method.equals("GET") && path.equals("/api/v1/api-keys/self")) {
                // as the coordinator: the caller's own key, if it is a USER's (or an ADMIN's)
                if (("Bearer " + USER_KEY).equals(authorization)) {
                    send(ex, 200, "application/json", "{\"name\":\"tester\",\"role\":\"USER\"}".getBytes(StandardCharsets.UTF_8));
                } else if (("Bearer " + READER_KEY).equals(authorization)) {
                    send(ex, 403, "application/problem+json", "{\"title\":\"Forbidden\",\"status\":403}"
                            .getBytes(StandardCharsets.UTF_8));
                } else {
                    send(ex, 401, "application/problem+json", "{\"title\":\"Unauthorized\",\"status\":401}"
                            .getBytes(StandardCharsets.UTF_8));
                }
            } else if (!authenticated(ex.getRequestHeaders().getFirst(WORKER_HEADER), authorization)) {
                refused.add(method + " " + path);
                send(ex, 401, "application/problem+json", "{\"title\":\"Unauthorized\",\"status\":401}"
                        .getBytes(StandardCharsets.UTF_8));
            } else if (method.equals("PUT") && (m = HEARTBEAT.matcher(path)).matches()) {
                UUID worker = UUID.fromString(m.group(1));
                if (known.contains(worker)) {
                    heartbeats.add(worker);
                    send(ex, 204, null, null);
                } else {
                    send(ex, 404, "application/problem+json",
                            "{\"title\":\"Not Found\",\"status\":404}".getBytes(StandardCharsets.UTF_8));
                }
            } else if (method.equals("GET") && (m = NEXT_TASK.matcher(path)).matches()
                    && !known.contains(UUID.fromString(m.group(1)))) {
                send(ex, 404, "application/problem+json",
                        "{\"title\":\"Not Found\",\"status\":404,\"detail\":\"no worker; register first\"}"
                                .getBytes(StandardCharsets.UTF_8));
            } else if (method.equals("GET") && (m = NEXT_TASK.matcher(path)).matches()) {
                polls.incrementAndGet();
                TaskMessage task = queue.poll(waitSeconds(ex.getRequestURI().getQuery()), TimeUnit.SECONDS);
                if (task == null) {
                    send(ex, 204, null, null);
                } else {
                    send(ex, 200, "application/json", JSON.writeValueAsBytes(task));
                }
            } else if (method.equals("GET") && (m = ADAPTER.matcher(path)).matches()) {
                UUID experiment = UUID.fromString(m.group(1));
                ExperimentSpec spec = specs.get(experiment);
                if (spec == null || missingAdapters.contains(experiment)) {
                    send(ex, 404, "application/problem+json",
                            "{\"title\":\"Not Found\",\"status\":404}".getBytes(StandardCharsets.UTF_8));
                } else {
                    byte[] adapter = SafeTensors.write(LoraAdapter.initialise(
                            ModelCatalog.config(spec.model().name()), lora(spec), ADAPTER_SEED));
                    if (truncated.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        cut.incrementAndGet();
                        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
                        ex.sendResponseHeaders(200, adapter.length);
                        ex.getResponseBody().write(adapter, 0, adapter.length / 2);
                        ex.getResponseBody().flush();
                        ex.close();
                        return;
                    }
                    send(ex, 200, "application/octet-stream", adapter);
                }
            } else if ((m = TASK_REPORT.matcher(path)).matches() && unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                refusedAsUnavailable.incrementAndGet();
                send(ex, 503, "application/problem+json", "{\"title\":\"Service Unavailable\",\"status\":503}"
                        .getBytes(StandardCharsets.UTF_8));
            } else if ((m = TASK_REPORT.matcher(path)).matches()) {
                Report report = new Report(UUID.fromString(m.group(1)), ex.getRequestHeaders().getFirst(WORKER_HEADER),
                        body, polls.get());
                switch (m.group(2)) {
                    case "update" -> {
                        if (!method.equals("PUT")) {
                            send(ex, 405, null, null);
                            return;
                        }
                        uploads.add(report);
                        send(ex, 202, null, null);
                    }
                    case "evaluation" -> {
                        evaluations.add(report);
                        send(ex, 204, null, null);
                    }
                    default -> {
                        failures.add(report);
                        send(ex, 204, null, null);
                    }
                }
            } else {
                send(ex, 404, null, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            e.printStackTrace();
            try {
                send(ex, 500, null, null);
            } catch (IOException | RuntimeException ignored) {
                // the response was already under way
            }
        } finally {
            ex.close();
        }
    }

    private boolean authenticated(String workerHeader, String authorization) {
        try {
            String credential = workerHeader == null ? null : credentials.get(UUID.fromString(workerHeader));
            return credential != null && ("Bearer " + credential).equals(authorization);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static long waitSeconds(String query) {
        if (query != null) {
            for (String part : query.split("&")) {
                if (part.startsWith("waitSeconds=")) {
                    return Math.min(5, Long.parseLong(part.substring("waitSeconds=".length())));
                }
            }
        }
        return 0;
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        if (contentType != null) {
            ex.getResponseHeaders().set("Content-Type", contentType);
        }
        if (body == null || body.length == 0) {
            ex.sendResponseHeaders(status, -1);
        } else {
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }
}
