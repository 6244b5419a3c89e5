package io.cgfed.launcher.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Samples a service while the load runs, on its own thread and connection: resident memory from
 * /proc, and actuator gauges (heap in use, the Hikari pool's active and waiting connections, busy
 * Tomcat threads where the service exposes them). Keeps the peak of each; a gauge the service does not
 * have is skipped.
 */
public final class ServiceSampler implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Gauge name to actuator path. */
    static final Map<String, String> GAUGES = new LinkedHashMap<>();

    static {
        GAUGES.put("heap used", "/actuator/metrics/jvm.memory.used?tag=area:heap");
        GAUGES.put("db connections active", "/actuator/metrics/hikaricp.connections.active");
        GAUGES.put("db connections waiting", "/actuator/metrics/hikaricp.connections.pending");
        GAUGES.put("tomcat threads busy", "/actuator/metrics/tomcat.threads.busy");
        GAUGES.put("live threads", "/actuator/metrics/jvm.threads.live");
    }

    private final String url;
    private final long pid;
    private final long periodMillis;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, Double> peaks = new ConcurrentHashMap<>();
    private final Map<String, Boolean> absent = new ConcurrentHashMap<>();
    private volatile long peakRss;
    private volatile int samples;
    private volatile int missed;
    private volatile boolean running = true;
    private final Thread thread;

    public ServiceSampler(String url, long pid, long periodMillis) {
        this.url = url;
        this.pid = pid;
        this.periodMillis = periodMillis;
        this.thread = new Thread(this::loop, "sampler-" + pid);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            long t0 = System.nanoTime();
            sample();
            long sleep = periodMillis - (System.nanoTime() - t0) / 1_000_000;
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void sample() {
        long rss = ProcStatus.memory(pid).rssBytes();
        peakRss = Math.max(peakRss, rss);
        for (var g : GAUGES.entrySet()) {
            if (absent.containsKey(g.getKey())) {
                continue;
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + g.getValue()))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 404) {
                    absent.put(g.getKey(), true);
                    continue;
                }
                if (r.statusCode() != 200) {
                    missed++;
                    continue;
                }
                double v = value(JSON.readTree(r.body()));
                peaks.merge(g.getKey(), v, Math::max);
            } catch (Exception e) {
                missed++;
            }
        }
        samples++;
    }

    /** The VALUE measurement of an actuator metric answer. */
    static double value(JsonNode metric) {
        return value(metric, "VALUE");
    }

    /** One measurement (VALUE, COUNT, TOTAL_TIME, MAX) of an actuator metric answer. */
    static double value(JsonNode metric, String statistic) {
        for (JsonNode m : metric.path("measurements")) {
            if (m.path("statistic").asString("").equals(statistic)) {
                return m.path("value").asDouble();
            }
        }
        throw new IllegalArgumentException("no " + statistic + " measurement in " + metric);
    }

    /** One gauge now (for heap max and the like), or NaN. */
    public double read(String actuatorPath) {
        return read(actuatorPath, "VALUE");
    }

    /** One measurement of a metric now, or NaN. */
    public double read(String actuatorPath, String statistic) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + actuatorPath))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? value(JSON.readTree(r.body()), statistic) : Double.NaN;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    /** Peaks by gauge name, sampled RSS peak included ("rss"), in the order of {@link #GAUGES}. */
    public Map<String, Double> peaks() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("rss", (double) peakRss);
        for (String g : GAUGES.keySet()) {
            if (peaks.containsKey(g)) {
                out.put(g, peaks.get(g));
            }
        }
        return out;
    }

    public List<String> absentGauges() {
        return List.copyOf(absent.keySet());
    }

    public int samples() {
        return samples;
    }

    public int missed() {
        return missed;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5000);
    }
}
