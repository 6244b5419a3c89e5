package io.cgfed.launcher.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * N simulated workers against one coordinator, each doing what a worker-service does over the same
 * API, minus the training: register, long-poll for tasks, on TRAIN download the global adapter, wait
 * its (optional) simulated training time, then upload a real CGFU payload; on EVALUATE report a fixed
 * evaluation; then poll again. Java 17 has no virtual threads, so the workers are asynchronous state
 * machines on the JDK HttpClient: a few selector threads and a small fixed callback pool carry all N
 * connections, and no thread waits for a response.
 *
 * <p>Everything observed is recorded: every upload attempt with its latency and status, every task
 * arrival, every status code by endpoint, and every transport error.
 */
public final class SimulatedFleet {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String EVALUATION = """
            {"evalLoss":2.0,"perplexity":7.38905609893065,"accuracy":0.25,"accuracyByCategory":{"STEM":0.25},\
            "examples":200}""";
    private static final int UPLOAD_ATTEMPTS = 3;

    /** Builds the payload a client uploads for a round. */
    public interface Payloads {
        byte[] payload(String experimentId, int round, int client);
    }

    /**
     * @param pollSeconds   the long poll's waitSeconds
     * @param download      download the global adapter before each TRAIN task, as a worker does
     * @param spreadMillis  simulated training time, uniform in [0, spreadMillis] per task (0: all upload at once)
     * @param httpClients   JDK HttpClients (each one selector thread) the workers are spread over
     */
    public record Settings(String coordinatorUrl, int workers, int pollSeconds, boolean download, long spreadMillis,
                           int httpClients, long seed) {
    }

    /** One upload attempt. status -1: a transport error (see error). */
    public record Upload(int round, int client, long bytes, long sentNanos, long doneNanos, int status, int attempt,
                         String error) {
        public long latencyNanos() {
            return doneNanos - sentNanos;
        }

        public boolean accepted() {
            return status == 200 || status == 202;
        }
    }

    /** A task that reached a worker (epochMillis: wall clock, to set beside the coordinator's timestamps). */
    public record Arrival(String type, int round, int client, long nanos, long epochMillis) {
    }

    /** One adapter download. */
    public record Download(int round, long bytes, long nanos, int status) {
    }

    private final Settings settings;
    private final Payloads payloads;
    private final HttpClient[] http;
    private final ExecutorService callbacks;
    private final ExecutorService builders;
    private final ScheduledExecutorService timer;
    private final List<UUID> ids = new ArrayList<>();
    private final SplittableRandom random;
    private final ConcurrentLinkedQueue<Upload> uploads = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Download> downloads = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    private final AtomicLong pollsOpen = new AtomicLong();
    private final AtomicLong pollsOpenPeak = new AtomicLong();
    private volatile boolean stopping;
    /** This run's join token, and each registered worker's credential (the coordinator checks both). */
    private volatile String joinToken = "";
    private final Map<UUID, String> credentials = new ConcurrentHashMap<>();

    public SimulatedFleet(Settings settings, Payloads payloads) {
        this.settings = settings;
        this.payloads = payloads;
        this.random = new SplittableRandom(settings.seed());
        this.callbacks = Executors.newFixedThreadPool(4, daemon("fleet-http"));
        this.builders = Executors.newFixedThreadPool(2, daemon("fleet-payload"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("fleet-timer"));
        this.http = new HttpClient[Math.max(1, settings.httpClients())];
        for (int i = 0; i < http.length; i++) {
            http[i] = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(callbacks)
                    .connectTimeout(Duration.ofSeconds(30)).build();
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The join token the coordinator expects (the platform makes a fresh one per run). */
    public void useJoinToken(String token) {
        this.joinToken = token;
    }

    /** Worker {@code w}'s id and credential on a request. */
    private HttpRequest.Builder asWorker(HttpRequest.Builder request, int w) {
        UUID id = ids.get(w);
        return request.header("Cgfed-Worker-Id", id.toString()).header("Authorization", "Bearer " + credentials.get(id));
    }

    /** Registers every worker, {@code inFlight} registrations at a time; returns the seconds it took. */
    public double register(int inFlight) throws InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        List<CompletableFuture<UUID>> pending = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < settings.workers(); i++) {
            slots.acquire();
            String body = "{\"name\":\"load-worker-" + i + "\",\"device\":\"simulated\"}";
            HttpRequest req = HttpRequest.newBuilder(uri("/api/v1/workers")).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + joinToken)
                    .POST(BodyPublishers.ofString(body)).build();
            pending.add(http(i).sendAsync(req, BodyHandlers.ofString()).whenComplete((r, e) -> slots.release())
                    .thenApply(r -> {
                        count("register " + r.statusCode());
                        if (r.statusCode() != 201) {
                            throw new IllegalStateException("registration answered " + r.statusCode() + ": " + r.body());
                        }
                        var answer = JSON.readTree(r.body());
                        UUID id = UUID.fromString(answer.get("workerId").asString());
                        credentials.put(id, answer.get("credential").asString());
                        return id;
                    }));
        }
        for (CompletableFuture<UUID> f : pending) {
            try {
                ids.add(f.join());
            } catch (CompletionException e) {
                throw new IllegalStateException("a worker could not register: " + e.getCause(), e.getCause());
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Every registered worker starts long-polling. */
    public void start() {
        for (int i = 0; i < ids.size(); i++) {
            poll(i);
        }
    }

    /** No new requests from now on; answers still arriving are not counted as errors. */
    public void stop() {
        stopping = true;
        timer.shutdownNow();
    }

    private void poll(int w) {
        if (stopping) {
            return;
        }
        HttpRequest req = asWorker(HttpRequest.newBuilder(uri("/api/v1/workers/" + ids.get(w) + "/tasks/next?waitSeconds="
                        + settings.pollSeconds())), w)
                .timeout(requestTimeout()).GET().build();
        long open = pollsOpen.incrementAndGet();
        pollsOpenPeak.accumulateAndGet(open, Math::max);
        http(w).sendAsync(req, BodyHandlers.ofString()).whenComplete((r, e) -> {
            pollsOpen.decrementAndGet();
            if (stopping) {
                return;
            }
            if (e != null) {
                count("poll error " + rootName(e));
                later(1000, () -> poll(w));
                return;
            }
            count("poll " + r.statusCode());
            if (r.statusCode() == 204) {
                poll(w);
            } else if (r.statusCode() == 200) {
                onTask(w, JSON.readTree(r.body()));
            } else {
                later(1000, () -> poll(w));
            }
        });
    }

    private void onTask(int w, JsonNode task) {
        String type = task.get("type").asString();
        int round = task.get("round").asInt();
        int client = task.get("clientIndex").asInt();
        arrivals.add(new Arrival(type, round, client, System.nanoTime(), System.currentTimeMillis()));
        String taskId = task.get("taskId").asString();
        String experimentId = task.get("experimentId").asString();
        switch (type) {
            case "TRAIN" -> {
                if (settings.download()) {
                    download(w, experimentId, round, task.get("adapterVersion").asInt(),
                            () -> train(w, taskId, experimentId, round, client));
                } else {
                    train(w, taskId, experimentId, round, client);
                }
            }
            case "EVALUATE" -> evaluate(w, taskId);
            default -> {
                count("task " + type + " not simulated");
                poll(w);
            }
        }
    }

    private void download(int w, String experimentId, int round, int version, Runnable then) {
        HttpRequest req = asWorker(HttpRequest.newBuilder(uri("/api/v1/experiments/" + experimentId + "/adapters/" + version)), w)
                .timeout(requestTimeout()).GET().build();
        long t0 = System.nanoTime();
        http(w).sendAsync(req, BodyHandlers.ofByteArray()).whenComplete((r, e) -> {
            if (e != null) {
                count("download error " + rootName(e));
                downloads.add(new Download(round, 0, System.nanoTime() - t0, -1));
            } else {
                count("download " + r.statusCode());
                downloads.add(new Download(round, r.body().length, System.nanoTime() - t0, r.statusCode()));
            }
            then.run(); // a worker that cannot download would fail its task; the upload is what is measured here
        });
    }

    private void train(int w, String taskId, String experimentId, int round, int client) {
        long pause;
        synchronized (random) {
            pause = settings.spreadMillis() > 0 ? random.nextLong(settings.spreadMillis() + 1) : 0;
        }
        later(pause, () -> builders.execute(() -> {
            byte[] payload = payloads.payload(experimentId, round, client);
            upload(w, taskId, round, client, payload, 1);
        }));
    }

    private void upload(int w, String taskId, int round, int client, byte[] payload, int attempt) {
        if (stopping) {
            return;
        }
        HttpRequest req = asWorker(HttpRequest.newBuilder(uri("/api/v1/tasks/" + taskId + "/update")), w)
                .timeout(requestTimeout())
                .header("Content-Type", "application/octet-stream")
                .PUT(BodyPublishers.ofByteArray(payload)).build();
        long sent = System.nanoTime();
        http(w).sendAsync(req, BodyHandlers.ofString()).whenComplete((r, e) -> {
            long done = System.nanoTime();
            if (e != null) {
                count("upload error " + rootName(e));
                uploads.add(new Upload(round, client, payload.length, sent, done, -1, attempt, rootName(e)));
            } else {
                count("upload " + r.statusCode());
                uploads.add(new Upload(round, client, payload.length, sent, done, r.statusCode(), attempt,
                        r.statusCode() >= 300 ? r.body() : null));
            }
            boolean retry = e != null || r.statusCode() >= 500;
            if (retry && attempt < UPLOAD_ATTEMPTS && !stopping) {
                later(1000, () -> upload(w, taskId, round, client, payload, attempt + 1));
            } else {
                poll(w);
            }
        });
    }

    private void evaluate(int w, String taskId) {
        HttpRequest req = asWorker(HttpRequest.newBuilder(uri("/api/v1/tasks/" + taskId + "/evaluation")), w)
                .timeout(Duration.ofMinutes(1))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(EVALUATION)).build();
        http(w).sendAsync(req, BodyHandlers.ofString()).whenComplete((r, e) -> {
            count(e != null ? "evaluation error " + rootName(e) : "evaluation " + r.statusCode());
            poll(w);
        });
    }

    /** What a worker-service waits for any answer: its poll wait plus 30 s (CoordinatorClient's read timeout). */
    private Duration requestTimeout() {
        return Duration.ofSeconds(settings.pollSeconds() + 30L);
    }

    private void later(long millis, Runnable action) {
        if (stopping) {
            return;
        }
        try {
            timer.schedule(action, millis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // the fleet is stopping
        }
    }

    private HttpClient http(int worker) {
        return http[worker % http.length];
    }

    private URI uri(String path) {
        return URI.create(settings.coordinatorUrl() + path);
    }

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
    }

    private static String rootName(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t.getClass() == IOException.class) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName();
    }

    public List<Upload> uploads() {
        return List.copyOf(uploads);
    }

    public List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    public List<Download> downloads() {
        return List.copyOf(downloads);
    }

    /** Count of each outcome: "upload 202", "poll 204", "poll error HttpTimeoutException", ... */
    public Map<String, Integer> outcomes() {
        Map<String, Integer> out = new TreeMap<>();
        outcomes.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public long pollsOpenPeak() {
        return pollsOpenPeak.get();
    }

    public int registered() {
        return ids.size();
    }
}
