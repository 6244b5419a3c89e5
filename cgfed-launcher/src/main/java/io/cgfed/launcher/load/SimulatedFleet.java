package io.cgfed.launcher.load;

import static io.cgfed.launcher.load.FleetHttp.rootName;

import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>Everything observed is recorded ({@link FleetObservations}): every upload attempt with its latency and
 * status, every task arrival, every status code by endpoint, and every transport error. The workers'
 * identities are {@link FleetRegistry}'s, their connections {@link FleetHttp}'s. With secure aggregation each
 * worker's client runs SecAgg+'s four stages for real ({@link SecureFleetClients}).
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
    private final FleetHttp http;
    private final ExecutorService builders;
    private final ScheduledExecutorService timer;
    private final SplittableRandom random;
    private final FleetObservations observed = new FleetObservations();
    private final FleetRegistry registry;
    private final SecureFleetClients secureClients;
    private volatile boolean stopping;

    public SimulatedFleet(Settings settings, Payloads payloads) {
        this(settings, payloads, 0);
    }

    /**
     * @param secureUpdateValues values of an update, for the secure aggregation stages (0: the fleet answers no
     *                           secure aggregation tasks)
     */
    public SimulatedFleet(Settings settings, Payloads payloads, int secureUpdateValues) {
        this.secureClients = secureUpdateValues > 0 ? new SecureFleetClients(secureUpdateValues) : null;
        this.settings = settings;
        this.payloads = payloads;
        this.random = new SplittableRandom(settings.seed());
        this.builders = Executors.newFixedThreadPool(2, daemon("fleet-payload"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("fleet-timer"));
        this.http = new FleetHttp(settings.coordinatorUrl(), settings.pollSeconds(), settings.httpClients());
        this.registry = new FleetRegistry(http, observed);
    }

    /** Daemon threads named {@code name-1}, {@code name-2}, ...: the fleet never keeps the JVM alive. */
    static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The join token the coordinator expects (the platform makes a fresh one per run). */
    public void useJoinToken(String token) {
        registry.useJoinToken(token);
    }

    /** Registers every worker, {@code inFlight} registrations at a time; returns the seconds it took. */
    public double register(int inFlight) throws InterruptedException {
        return registry.register(settings.workers(), inFlight);
    }

    /** Every registered worker starts long-polling. */
    public void start() {
        for (int i = 0; i < registry.size(); i++) {
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
        HttpRequest req = registry.asWorker(http.request("/api/v1/workers/" + registry.id(w) + "/tasks/next?waitSeconds="
                        + settings.pollSeconds()), w)
                .timeout(http.requestTimeout()).GET().build();
        observed.pollOpened();
        http.client(w).sendAsync(req, BodyHandlers.ofString()).whenComplete((r, e) -> {
            observed.pollClosed();
            if (stopping) {
                return;
            }
            if (e != null) {
                observed.count("poll error " + rootName(e));
                later(1000, () -> poll(w));
                return;
            }
            observed.count("poll " + r.statusCode());
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
        observed.arrival(new Arrival(type, round, client, System.nanoTime(), System.currentTimeMillis()));
        String taskId = task.get("taskId").asString();
        String experimentId = task.get("experimentId").asString();
        boolean secure = secureClients != null && task.path("spec").path("secureAggregation").path("enabled").asBoolean(false);
        switch (type) {
            case "SECAGG_ADVERTISE", "SECAGG_SHARE", "SECAGG_UNMASK" -> secureStage(w, type, task, taskId, round, client);
            case "TRAIN" -> {
                if (secure && settings.download()) {
                    download(w, experimentId, round, task.get("adapterVersion").asInt(),
                            () -> secureStage(w, type, task, taskId, round, client));
                } else if (secure) {
                    secureStage(w, type, task, taskId, round, client);
                } else if (settings.download()) {
                    download(w, experimentId, round, task.get("adapterVersion").asInt(),
                            () -> train(w, taskId, experimentId, round, client));
                } else {
                    train(w, taskId, experimentId, round, client);
                }
            }
            case "EVALUATE" -> evaluate(w, taskId);
            default -> {
                observed.count("task " + type + " not simulated");
                poll(w);
            }
        }
    }

    /**
     * A secure aggregation stage: the stage input fetched, the client's step on the payload pool, its delivery
     * (a masked input is recorded as the round's upload), then the next poll.
     */
    private void secureStage(int w, String type, JsonNode task, String taskId, int round, int client) {
        HttpRequest req = registry.asWorker(http.request("/api/v1/tasks/" + taskId + "/secagg"), w)
                .timeout(http.requestTimeout()).GET().build();
        http.client(w).sendAsync(req, BodyHandlers.ofByteArray()).whenComplete((r, e) -> {
            if (e != null || r.statusCode() != 200) {
                observed.count(e != null ? "secagg input error " + rootName(e) : "secagg input " + r.statusCode());
                poll(w);
                return;
            }
            builders.execute(() -> {
                byte[] d;
                try {
                    d = secureClients.step(type, task, r.body());
                } catch (RuntimeException failed) {
                    observed.count("secagg step failed " + failed.getClass().getSimpleName() + ": " + failed.getMessage());
                    poll(w);
                    return;
                }
                HttpRequest put = registry.asWorker(http.request("/api/v1/tasks/" + taskId + "/secagg"), w)
                        .timeout(http.requestTimeout())
                        .header("Content-Type", "application/octet-stream")
                        .PUT(BodyPublishers.ofByteArray(d)).build();
                long sent = System.nanoTime();
                http.client(w).sendAsync(put, BodyHandlers.ofString()).whenComplete((answer, failure) -> {
                    long done = System.nanoTime();
                    int status = failure != null ? -1 : answer.statusCode();
                    observed.count(failure != null ? "secagg " + type + " error " + rootName(failure) : "secagg " + type + " " + status);
                    if (type.equals("TRAIN")) {
                        observed.upload(new Upload(round, client, d.length, sent, done, status, 1,
                                failure != null ? rootName(failure) : status >= 300 ? answer.body() : null));
                    }
                    poll(w);
                });
            });
        });
    }

    /** CPU the simulated clients spent in secure aggregation's steps (0 without it). */
    public double secureClientCpuSeconds() {
        return secureClients == null ? 0 : secureClients.cpuSeconds();
    }

    private void download(int w, String experimentId, int round, int version, Runnable then) {
        HttpRequest req = registry.asWorker(http.request("/api/v1/experiments/" + experimentId + "/adapters/" + version), w)
                .timeout(http.requestTimeout()).GET().build();
        long t0 = System.nanoTime();
        http.client(w).sendAsync(req, BodyHandlers.ofByteArray()).whenComplete((r, e) -> {
            if (e != null) {
                observed.count("download error " + rootName(e));
                observed.download(new Download(round, 0, System.nanoTime() - t0, -1));
            } else {
                observed.count("download " + r.statusCode());
                observed.download(new Download(round, r.body().length, System.nanoTime() - t0, r.statusCode()));
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
        HttpRequest req = registry.asWorker(http.request("/api/v1/tasks/" + taskId + "/update"), w)
                .timeout(http.requestTimeout())
                .header("Content-Type", "application/octet-stream")
                .PUT(BodyPublishers.ofByteArray(payload)).build();
        long sent = System.nanoTime();
        http.client(w).sendAsync(req, BodyHandlers.ofString()).whenComplete((r, e) -> {
            long done = System.nanoTime();
            if (e != null) {
                observed.count("upload error " + rootName(e));
                observed.upload(new Upload(round, client, payload.length, sent, done, -1, attempt, rootName(e)));
            } else {
                observed.count("upload " + r.statusCode());
                observed.upload(new Upload(round, client, payload.length, sent, done, r.statusCode(), attempt,
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
        HttpRequest req = registry.asWorker(http.request("/api/v1/tasks/" + taskId + "/evaluation"), w)
                .timeout(Duration.ofMinutes(1))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(EVALUATION)).build();
        http.client(w).sendAsync(req, BodyHandlers.ofString()).whenComplete((r, e) -> {
            observed.count(e != null ? "evaluation error " + rootName(e) : "evaluation " + r.statusCode());
            poll(w);
        });
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

    public List<Upload> uploads() {
        return observed.uploads();
    }

    public List<Arrival> arrivals() {
        return observed.arrivals();
    }

    public List<Download> downloads() {
        return observed.downloads();
    }

    /** Count of each outcome: "upload 202", "poll 204", "poll error HttpTimeoutException", ... */
    public Map<String, Integer> outcomes() {
        return observed.outcomes();
    }

    public long pollsOpenPeak() {
        return observed.pollsOpenPeak();
    }

    public int registered() {
        return registry.size();
    }
}
