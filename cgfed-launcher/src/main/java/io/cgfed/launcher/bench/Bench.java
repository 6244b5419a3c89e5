package io.cgfed.launcher.bench;

import io.cgfed.launcher.CoordinatorApi;
import io.cgfed.launcher.Platform;
import io.cgfed.launcher.ServiceProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./cgfed bench}: the same task under every method, through the real services. Starts the
 * platform once (or uses a running one), submits the experiments one after another, reads each
 * result from the coordinator and the registry, and writes the tables (Markdown, CSV) and plots (SVG).
 * Exit status 0 only if every experiment COMPLETED.
 */
public final class Bench {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final BenchOptions options;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private CoordinatorApi coordinator;
    private String registryUrl;
    private String apiKey;

    public Bench(BenchOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static int run(String[] args, Path home) throws Exception {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("cgfed bench: " + e.getMessage());
            System.err.print(USAGE);
            return 2;
        }
        if (o.help) {
            System.out.print(USAGE);
            return 0;
        }
        return new Bench(o, System.out).run(home);
    }

    public static final String USAGE = io.cgfed.launcher.CliArgs.usage("bench [options]", BenchOptions.OPTIONS);


    /** Runs the plan on a platform started here (or the one named by --coordinator/--registry). */
    public int run(Path home) throws Exception {
        if (options.reportOnly != null) {
            return redraw(options.reportOnly);
        }
        List<BenchPlan.Run> plan = BenchPlan.plan(options);
        BenchPlan.Budget budget = BenchPlan.budget(options);
        Path outDir = options.out != null ? options.out
                : home.resolve("bench-results").resolve(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(ZoneOffset.UTC).format(Instant.now()));
        out.printf(Locale.ROOT, "cgfed bench: %d experiments (%s); %s%n", plan.size(), counts(plan), budget.describe());
        long t0 = System.nanoTime();
        Platform platform = null;
        Path work = null;
        if (options.coordinatorUrl != null) {
            apiKey = System.getenv("CGFED_API_KEY");
            if (apiKey == null || apiKey.isBlank()) {
                System.err.println("cgfed bench: --coordinator needs the API key in CGFED_API_KEY");
                return 2;
            }
            coordinator = new CoordinatorApi(options.coordinatorUrl, apiKey);
            registryUrl = options.registryUrl;
        } else {
            work = options.workDir != null ? options.workDir : Files.createTempDirectory("cgfed-bench-");
            int workers = options.workers > 0 ? options.workers : budget.clientsPerRound();
            Map<String, Map<String, String>> attackers = new java.util.HashMap<>();
            for (int i = 0; i < Math.min(options.attackers, workers); i++) {
                attackers.put("worker-" + i, Map.of("CGFED_WORKER_ATTACK", options.attack,
                        "CGFED_WORKER_ATTACK_ALLOWED", "true"));
            }
            Map<String, String> coordinatorEnv = options.quarantineMadFactor == null ? Map.of()
                    : Map.of("CGFED_QUARANTINE_MAD_FACTOR", Double.toString(options.quarantineMadFactor));
            if (!attackers.isEmpty()) {
                out.printf("bench: %d of %d workers attack their updates (%s)%n", attackers.size(), workers,
                        options.attack);
            }
            platform = new Platform(new Platform.Settings(home, work, workers, 0, false, options.workerThreads,
                    coordinatorEnv, null, Map.of(), attackers));
            Platform p = platform;
            Runtime.getRuntime().addShutdownHook(new Thread(p::close));
            platform.start(out);
            coordinator = new CoordinatorApi(platform.coordinatorUrl(), platform.adminApiKey());
            registryUrl = platform.registryUrl();
            apiKey = platform.adminApiKey();
        }
        List<RunResult> results = new ArrayList<>();
        try {
            for (int i = 0; i < plan.size(); i++) {
                BenchPlan.Run run = plan.get(i);
                RunResult r = runOne(run);
                results.add(r);
                out.printf(Locale.ROOT, "[%d/%d] %-5s %-58s seed %d: %s%s%n", i + 1, plan.size(), run.group(), run.label(),
                        run.seed(), r.status(), r.completed() ? String.format(Locale.ROOT,
                                "  accuracy %.3f  eval loss %.4f  %,.0f B/client-round  %.1f s/round  (%.0f s)", nz(r.accuracy()),
                                nz(r.evalLoss()), nz(r.uploadBytesPerClientRound()), nz(r.secondsPerRound()), r.wallSeconds())
                                : "  " + (r.failureReason() == null ? "" : r.failureReason()));
                if (platform != null && !platform.services().stream().filter(s -> !s.name().startsWith("worker"))
                        .allMatch(ServiceProcess::alive)) {
                    out.println("cgfed bench: a service exited; stopping");
                    break;
                }
            }
            results = withComparison(results, outDir);
            double wall = (System.nanoTime() - t0) / 1e9;
            String heading = heading(budget, wall);
            BenchReport report = new BenchReport(results);
            List<Path> files = report.write(outDir, heading);
            out.println();
            out.print(report.markdown(""));
            out.println();
            out.println("written: " + String.join(", ", files.stream().map(f -> f.getFileName().toString()).toList())
                    + " in " + outDir);
            List<String> ids = results.stream().map(RunResult::experimentId).filter(java.util.Objects::nonNull).toList();
            out.println("registry compare view (while the platform runs): " + registryUrl + "/compare.html?ids="
                    + String.join(",", ids.subList(0, Math.min(ids.size(), 100))));
            long failed = results.stream().filter(r -> !r.completed()).count() + (plan.size() - results.size());
            out.printf(Locale.ROOT, "cgfed bench: %d of %d experiments COMPLETED in %.0f s%n", plan.size() - failed,
                    plan.size(), wall);
            if (options.keepRunning && platform != null) {
                out.println("the platform stays up for the compare view (dashboard " + registryUrl + "/); Ctrl-C stops it");
                new java.util.concurrent.CountDownLatch(1).await();
            }
            return failed == 0 ? 0 : 1;
        } finally {
            if (platform != null) {
                platform.close();
            }
        }
    }

    /** Redraws the tables and plots of an earlier run from its bench-runs.csv, keeping its heading. */
    int redraw(Path dir) throws IOException {
        List<RunResult> results = BenchReport.readRuns(Files.readString(dir.resolve("bench-runs.csv")));
        String heading = "## cgfed bench\n";
        Path md = dir.resolve("bench.md");
        if (Files.exists(md)) {
            String old = Files.readString(md);
            int at = old.indexOf("\n### ");
            heading = at > 0 ? old.substring(0, at) : old;
        }
        List<Path> files = new BenchReport(results).write(dir, heading);
        out.println("redrawn: " + String.join(", ", files.stream().map(f -> f.getFileName().toString()).toList())
                + " in " + dir);
        return results.stream().allMatch(RunResult::completed) ? 0 : 1;
    }

    private String heading(BenchPlan.Budget budget, double wall) {
        return String.format(Locale.ROOT, "## cgfed bench%n%n%s.%nSeeds %s (sweeps %s); wall time %.0f s; %s UTC; %d cores.%n",
                budget.describe(), options.seeds, options.sweepSeeds(), wall,
                DateTimeFormatter.ISO_LOCAL_DATE_TIME.withZone(ZoneOffset.UTC).format(Instant.now()).substring(0, 16),
                Runtime.getRuntime().availableProcessors());
    }

    private static String counts(List<BenchPlan.Run> plan) {
        Map<String, Integer> c = new java.util.LinkedHashMap<>();
        plan.forEach(r -> c.merge(r.group(), 1, Integer::sum));
        return String.join(", ", c.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList());
    }

    private static double nz(Double d) {
        return d == null ? Double.NaN : d;
    }

    /** Submits one experiment, waits for its end, reads it back from the coordinator and the registry. */
    RunResult runOne(BenchPlan.Run run) {
        long start = System.nanoTime();
        String id = null;
        try {
            id = coordinator.submit(run.spec()).get("id").asString();
            long deadline = start + Duration.ofMinutes(options.timeoutMinutes).toNanos();
            JsonNode e;
            while (true) {
                e = coordinator.experiment(id);
                String status = e.get("status").asString();
                if (!status.equals("PENDING") && !status.equals("RUNNING")) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    return RunResult.failed(run, id, "did not finish within " + options.timeoutMinutes + " minutes",
                            seconds(start));
                }
                Thread.sleep(300);
            }
            double wall = seconds(start);
            JsonNode rounds = registryRounds(id, closedRounds(e));
            return RunResult.of(run, e, rounds, null, wall);
        } catch (IOException | RuntimeException ex) {
            return RunResult.failed(run, id, ex.getMessage(), seconds(start));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return RunResult.failed(run, id, "interrupted", seconds(start));
        }
    }

    private static int closedRounds(JsonNode e) {
        int n = 0;
        for (JsonNode r : e.get("roundSummaries")) {
            if ("CLOSED".equals(r.get("status").asString())) {
                n++;
            }
        }
        return n;
    }

    /** The registry's rounds of an experiment, once it has as many as the coordinator closed (it syncs after commit). */
    private JsonNode registryRounds(String id, int expected) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode rounds = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(registryUrl + "/api/v1/experiments/" + id + "/rounds", "application/json");
            if (r.statusCode() == 200) {
                rounds = JSON.readTree(r.body());
                if (rounds.isArray() && rounds.size() >= expected) {
                    return rounds;
                }
            }
            Thread.sleep(300);
        }
        return rounds;
    }

    /** Reads every experiment's line from the registry's comparison (JSON, then CSV saved beside the tables). */
    private List<RunResult> withComparison(List<RunResult> results, Path outDir) throws IOException, InterruptedException {
        List<String> ids = results.stream().map(RunResult::experimentId).filter(java.util.Objects::nonNull).distinct().toList();
        Map<String, JsonNode> lines = new HashMap<>();
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < ids.size(); i += 100) {
            String q = URLEncoder.encode(String.join(",", ids.subList(i, Math.min(ids.size(), i + 100))), StandardCharsets.UTF_8);
            HttpResponse<String> json = get(registryUrl + "/api/v1/compare?ids=" + q, "application/json");
            if (json.statusCode() != 200) {
                out.println("cgfed bench: the registry's comparison answered " + json.statusCode() + ": " + json.body());
                continue;
            }
            for (JsonNode line : JSON.readTree(json.body())) {
                lines.put(line.get("id").asString(), line);
            }
            HttpResponse<String> c = get(registryUrl + "/api/v1/compare?format=csv&ids=" + q, "text/csv");
            if (c.statusCode() == 200) {
                String body = c.body();
                csv.append(i == 0 ? body : body.substring(body.indexOf('\n') + 1));
            }
        }
        if (!csv.isEmpty()) {
            Files.createDirectories(outDir);
            Files.writeString(outDir.resolve("registry-compare.csv"), csv.toString());
        }
        List<RunResult> out = new ArrayList<>();
        for (RunResult r : results) {
            JsonNode line = r.experimentId() == null ? null : lines.get(r.experimentId());
            out.add(line == null ? r : new RunResult(r.run(), r.experimentId(), r.status(), r.failureReason(), r.accuracy(),
                    r.accuracyByCategory(), r.evalLoss(), r.baselineAccuracy(), r.roundsCompleted(), r.uploads(),
                    r.uploadBytes(), r.rawUpdateBytes(), r.uploadBytesPerClientRound(), r.ratioToFp32(),
                    number(line.get("meanCosine")), number(line.get("meanSnrDb")), number(line.get("meanDeltaWCosine")),
                    number(line.get("meanDeltaWSnrDb")), r.secondsPerRound(), r.tgapSeconds(),
                    r.cleanCosine(), r.cleanRelativeError(), r.noisyInputCosine(), r.aggregateDeltaWCosine(), r.wallSeconds()));
        }
        return out;
    }

    private static Double number(JsonNode n) {
        return n == null || !n.isNumber() ? null : n.asDouble();
    }

    private HttpResponse<String> get(String url, String accept) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", accept)
                .header("Authorization", "Bearer " + apiKey).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
