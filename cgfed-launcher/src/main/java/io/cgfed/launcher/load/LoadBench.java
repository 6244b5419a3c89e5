package io.cgfed.launcher.load;

import io.cgfed.launcher.CliArgs;

import static io.cgfed.launcher.CliArgs.positive;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.launcher.CoordinatorApi;
import io.cgfed.launcher.Platform;
import io.cgfed.launcher.ServiceProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./cgfed bench-load}: the platform without training workers (embedded PostgreSQL, coordinator,
 * codec-service, registry, each its own process), one experiment with N clients all selected every
 * round, and N simulated workers ({@link SimulatedFleet}) that register, long-poll, download the
 * global adapter and upload real CGFU payloads of a real model's LoRA layout. Reports, per round,
 * uploads per second, upload latency percentiles, bytes per second sustained beside the loopback
 * bandwidth measured in the same run, the round-close time (last accepted upload to the round
 * aggregated, from the coordinator's own timestamps), and the coordinator's peak memory; checks that
 * no upload was lost and no request got a 5xx. Exit 0 only if the experiment completed and the checks
 * hold.
 */
public final class LoadBench {
    private static final double MIB = 1024.0 * 1024.0;
    private final Options o;
    private final PrintStream out;

    private LoadBench(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    /** Command-line options and their defaults. */
    static final class Options {
        int workers = 500;
        int rounds = 2;
        String model = "smollm-135m";
        int rank = 2;
        List<String> targets = List.of("q", "v");
        String codec = "fp16";
        long payloadKb = 0;
        int pollSeconds = 20;
        long spreadMillis = 0;
        boolean download = true;
        int httpClients = 0;
        int timeoutMinutes = 20;
        boolean loopback = true;
        Path workDir;
        /** Extra coordinator settings (--coordinator-env KEY=VALUE): to try a configuration without a rebuild. */
        Map<String, String> coordinatorEnv = new LinkedHashMap<>();
        /** -Xmx of the platform's services (--service-heap 2g); null: the platform's 512m. */
        String serviceHeap;
        boolean help;

        static Options parse(String[] args) {
            Options o = new Options();
            CliArgs.Parsed parsed = CliArgs.parse(args, OPTIONS);
            o.help = parsed.help();
            for (var given : parsed.given()) {
                String flag = given.getKey();
                String v = given.getValue();
                switch (flag) {
                    case "--no-download" -> o.download = false;
                    case "--no-loopback" -> o.loopback = false;
                    case "--workers" -> o.workers = positive(flag, v);
                    case "--rounds" -> o.rounds = positive(flag, v);
                    case "--model" -> o.model = v;
                    case "--rank" -> o.rank = positive(flag, v);
                    case "--targets" -> o.targets = Arrays.stream(v.split(",")).map(String::strip).toList();
                    case "--codec" -> o.codec = v;
                    case "--payload-kb" -> o.payloadKb = positive(flag, v);
                    case "--poll-seconds" -> o.pollSeconds = positive(flag, v);
                    case "--spread-ms" -> o.spreadMillis = Long.parseLong(v);
                    case "--http-clients" -> o.httpClients = positive(flag, v);
                    case "--timeout-minutes" -> o.timeoutMinutes = positive(flag, v);
                    case "--work-dir" -> o.workDir = Path.of(v).toAbsolutePath();
                    case "--service-heap" -> {
                        if (!v.matches("[0-9]+[kKmMgG]?")) {
                            throw new IllegalArgumentException("--service-heap needs a size such as 2g, got " + v);
                        }
                        o.serviceHeap = v;
                    }
                    case "--coordinator-env" -> {
                        int eq = v.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--coordinator-env needs KEY=VALUE, got " + v);
                        }
                        o.coordinatorEnv.put(v.substring(0, eq), v.substring(eq + 1));
                    }
                    default -> throw new IllegalStateException(flag);
                }
            }
            if (!LoadModels.known(o.model)) {
                throw new IllegalArgumentException("unknown model '" + o.model + "' (known: " + LoadModels.names() + ")");
            }
            if (o.spreadMillis < 0) {
                throw new IllegalArgumentException("--spread-ms must not be negative");
            }
            if (o.httpClients == 0) {
                o.httpClients = Math.max(1, (o.workers + 99) / 100);
            }
            return o;
        }
    }

    static final List<CliArgs.Option> OPTIONS = List.of(
            CliArgs.value("--workers", "N", "simulated workers, one client each (500)"),
            CliArgs.value("--rounds", "N", "rounds (2)"),
            CliArgs.value("--model", "NAME", "the adapter layout's model: " + LoadModels.names() + " (smollm-135m)"),
            CliArgs.value("--rank", "R", "LoRA rank (2)"),
            CliArgs.value("--targets", "q,v", "LoRA targets (q,v)"),
            CliArgs.value("--codec", "NAME", "the codec of the uploads (fp16)"),
            CliArgs.value("--payload-kb", "K", "pick the rank that makes uploads about K KiB"),
            CliArgs.value("--poll-seconds", "S", "a worker's long poll (20)"),
            CliArgs.value("--spread-ms", "MS", "spread the uploads over this window (0)"),
            CliArgs.flag("--no-download", "the workers do not download the global adapter"),
            CliArgs.value("--http-clients", "N", "HTTP clients of the load generator (one per 100 workers)"),
            CliArgs.flag("--no-loopback", "skip the loopback calibration"),
            CliArgs.value("--timeout-minutes", "N", "give up after (20)"),
            CliArgs.value("--work-dir", "DIR", "the platform's files (a temporary directory)"),
            CliArgs.value("--service-heap", "SIZE", "-Xmx of the services (512m)"),
            CliArgs.value("--coordinator-env", "KEY=VALUE", "an extra coordinator setting (repeatable)"));

    public static final String USAGE = CliArgs.usage("bench-load [options]", OPTIONS);

    /** Runs the benchmark; the exit status. */
    public static int run(String[] args, Path home) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("cgfed bench-load: " + e.getMessage());
            System.err.print(USAGE);
            return 2;
        }
        if (o.help) {
            System.out.print(USAGE);
            return 0;
        }
        return new LoadBench(o, System.out).run(home);
    }

    private int run(Path home) throws Exception {
        long t0 = System.nanoTime();
        LlamaConfig model = LoadModels.config(o.model);
        int rank = o.payloadKb > 0 ? PayloadTemplate.rankFor(o.payloadKb * 1024, model, o.targets, o.codec, Map.of())
                : o.rank;
        PayloadTemplate template = PayloadTemplate.build(model, rank, o.targets, o.codec, Map.of(), 42);
        long payloadBytes = template.sampleBytes();
        out.printf(Locale.ROOT, "bench-load: %d simulated workers, %d rounds; model %s, LoRA r=%d on %s: %d tensors, "
                        + "%,d values (raw fp32 %s); codec %s: payload %,d bytes (%s)%n", o.workers, o.rounds, o.model, rank,
                String.join(",", o.targets), template.tensors(), template.values(), size(template.rawBytes()),
                template.codec(), payloadBytes, size(payloadBytes));

        if (o.serviceHeap != null) {
            out.println("services run with -Xmx" + o.serviceHeap + " (the platform's default is 512m)");
        }
        Path work = o.workDir != null ? o.workDir : Files.createTempDirectory("cgfed-bench-load-");
        String specModel = LoadModels.specModelName(o.model, work.resolve("models"));
        // Tomcat's thread gauges exist only with its MBean registry on; it changes nothing else
        Map<String, String> env = new LinkedHashMap<>(Map.of("SERVER_TOMCAT_MBEANREGISTRY_ENABLED", "true"));
        // the layout checkpoint written above is a model the spec names: its directory is a model root
        env.put("CGFED_MODEL_ROOTS", work.resolve("models").toAbsolutePath().toString());
        env.putAll(o.coordinatorEnv);
        Platform platform = new Platform(new Platform.Settings(home, work, 0, 0, false, 1, env, o.serviceHeap));
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close));
        SimulatedFleet fleet = null;
        try (platform; StopFleet stopFleet = new StopFleet()) {
            platform.start(out);
            Result result = new Result();
            if (o.loopback) {
                byte[] sample = template.payload(UUID.randomUUID().toString(), 1, 0, 1);
                result.loopbackTcp = Loopback.rawTcp(sample, o.workers);
                result.loopbackHttp = Loopback.http(sample, o.workers, o.workers, 4);
                out.printf(Locale.ROOT, "loopback: raw TCP %.0f MiB/s, HTTP PUT to a trivial server %.0f MiB/s "
                                + "(%d x %s, all in flight)%n", result.loopbackTcp / MIB, result.loopbackHttp / MIB, o.workers,
                        size(payloadBytes));
            }
            ServiceProcess coordinator = platform.coordinator();
            result.coordinatorStartRss = ProcStatus.memory(coordinator.pid()).rssBytes();
            boolean reset = ProcStatus.resetPeak(coordinator.pid()) & ProcStatus.resetPeak(platform.codec().pid());
            Duration coordinatorCpu0 = ProcStatus.cpu(coordinator.pid());
            Duration codecCpu0 = ProcStatus.cpu(platform.codec().pid());
            Duration selfCpu0 = ProcStatus.cpu(ProcessHandle.current().pid());

            try (ServiceSampler sampler = new ServiceSampler(coordinator.url(), coordinator.pid(), 250);
                 ServiceSampler codecSampler = new ServiceSampler(platform.codec().url(), platform.codec().pid(), 1000)) {
                double gcCount0 = sampler.read("/actuator/metrics/jvm.gc.pause", "COUNT");
                double gcTime0 = sampler.read("/actuator/metrics/jvm.gc.pause", "TOTAL_TIME");
                fleet = new SimulatedFleet(new SimulatedFleet.Settings(coordinator.url(), o.workers, o.pollSeconds,
                        o.download, o.spreadMillis, o.httpClients, 7), (id, round, client) -> template.payload(id, round, client, 1));
                stopFleet.fleet = fleet;
                SimulatedFleet f = fleet;
                fleet.useJoinToken(platform.joinToken());
                double registerSeconds = fleet.register(64);
                out.printf(Locale.ROOT, "registered %d workers in %.1f s%n", fleet.registered(), registerSeconds);
                fleet.start();
                Thread.sleep(1000); // let every first poll reach the coordinator
                CoordinatorApi api = new CoordinatorApi(coordinator.url(), platform.adminApiKey());
                JsonNode submitted = api.submit(spec(specModel, rank));
                String experimentId = submitted.get("id").asString();
                out.println("submitted experiment " + experimentId);
                JsonNode e = await(api, experimentId, Duration.ofMinutes(o.timeoutMinutes));
                f.stop();
                result.status = e.get("status").asString();
                if (result.status.equals("RUNNING") || result.status.equals("PENDING")) {
                    result.status = "NOT FINISHED within " + o.timeoutMinutes + " min (" + result.status + ", round "
                            + e.get("currentRound").asInt() + ")";
                }
                result.failureReason = e.get("failureReason").isNull() ? null : e.get("failureReason").asString();
                result.rounds = databaseRounds(platform.databaseUrl(), UUID.fromString(experimentId));
                result.gcPauses = orZero(sampler.read("/actuator/metrics/jvm.gc.pause", "COUNT")) - orZero(gcCount0);
                result.gcSeconds = orZero(sampler.read("/actuator/metrics/jvm.gc.pause", "TOTAL_TIME")) - orZero(gcTime0);
                result.dbTimeouts = orZero(sampler.read("/actuator/metrics/hikaricp.connections.timeout", "COUNT"));
                result.heapMax = sampler.read("/actuator/metrics/jvm.memory.max?tag=area:heap");
                result.dbPoolMax = sampler.read("/actuator/metrics/hikaricp.connections.max");
                result.coordinatorPeaks = sampler.peaks();
                result.codecPeaks = codecSampler.peaks();
                result.absentGauges = sampler.absentGauges();
                result.samplesMissed = sampler.missed();
            }
            result.coordinatorMemory = ProcStatus.memory(coordinator.pid());
            result.codecMemory = ProcStatus.memory(platform.codec().pid());
            result.peakReset = reset;
            result.coordinatorCpu = minus(ProcStatus.cpu(coordinator.pid()), coordinatorCpu0);
            result.codecCpu = minus(ProcStatus.cpu(platform.codec().pid()), codecCpu0);
            result.selfCpu = minus(ProcStatus.cpu(ProcessHandle.current().pid()), selfCpu0);
            result.uploads = fleet.uploads();
            result.arrivals = fleet.arrivals();
            result.downloads = fleet.downloads();
            result.outcomes = fleet.outcomes();
            result.pollsOpenPeak = fleet.pollsOpenPeak();
            result.payloadBytes = payloadBytes;
            result.wallSeconds = (System.nanoTime() - t0) / 1e9;
            return report(result);
        } catch (Exception e) {
            // platform is closed here; the fleet was stopped before
            System.err.println("cgfed bench-load failed: " + e);
            if (fleet != null) {
                out.println("responses so far: " + fleet.outcomes());
            }
            System.err.println("logs: " + work.resolve("logs"));
            return 1;
        } finally {
            if (o.workDir == null) { // a temporary work dir keeps its logs, not the round's uploads
                deleteTree(work.resolve("blobs"));
                deleteTree(work.resolve("models"));
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }

    /** Stops the simulated workers before the platform closes (resources close in reverse order). */
    private static final class StopFleet implements AutoCloseable {
        SimulatedFleet fleet;

        @Override
        public void close() {
            if (fleet != null) {
                fleet.stop();
            }
        }
    }

    private Map<String, Object> spec(String modelName, int rank) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("name", "bench-load-" + o.workers);
        spec.put("model", Map.of("name", modelName, "seed", 1));
        spec.put("dataset", Map.of("name", "demo-mc", "seed", 7, "trainExamples", Math.max(o.workers, 1000),
                "evalExamples", 200, "partition", "iid"));
        spec.put("clients", o.workers);
        spec.put("fractionPerRound", 1.0);
        spec.put("minClients", o.workers);
        spec.put("rounds", o.rounds);
        spec.put("training", Map.of("localSteps", 1, "batchSize", 1, "learningRate", 0.01));
        spec.put("lora", Map.of("rank", rank, "alpha", 2.0 * rank, "targets", o.targets));
        spec.put("codec", Map.of("name", o.codec, "settings", Map.of()));
        spec.put("roundDeadlineSeconds", Math.max(600, o.timeoutMinutes * 60));
        spec.put("seed", 42);
        return spec;
    }

    private JsonNode await(CoordinatorApi api, String id, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int printed = -1;
        int unanswered = 0;
        while (true) {
            JsonNode e;
            try {
                e = api.experiment(id);
            } catch (IOException notNow) {
                // the coordinator is overloaded, not necessarily broken: keep asking until the timeout
                if (unanswered++ == 0) {
                    out.println("experiment status not available: " + notNow.getMessage());
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("experiment " + id + " did not finish within " + timeout.toMinutes() + " min");
                }
                Thread.sleep(1000);
                continue;
            }
            for (JsonNode r : e.get("roundSummaries")) {
                int round = r.get("round").asInt();
                if (round > printed && "CLOSED".equals(r.get("status").asString())) {
                    out.printf(Locale.ROOT, "round %d/%d closed: %d uploads, %s%n", round, o.rounds, r.get("uploads").asInt(),
                            size(r.get("uploadBytes").asLong()));
                    printed = round;
                }
            }
            String status = e.get("status").asString();
            if (!status.equals("PENDING") && !status.equals("RUNNING")) {
                return e;
            }
            if (System.nanoTime() > deadline) {
                out.println("experiment " + id + " did not finish within " + timeout.toMinutes() + " min");
                return e; // report what was measured
            }
            Thread.sleep(200);
        }
    }

    /** One round as the coordinator's database has it (times in epoch milliseconds). */
    record DbRound(int round, String status, int selected, int uploadsCounted, long uploadRows, long uploadBytes,
                   double openedAt, double firstUploadAt, double lastUploadAt, double aggregatedAt, double closedAt) {
    }

    static List<DbRound> databaseRounds(String jdbcUrl, UUID experimentId) throws SQLException {
        String sql = """
                SELECT r.round, r.status, r.selected, r.uploads,
                       (SELECT count(*) FROM coordinator.uploads u WHERE u.experiment_id = r.experiment_id AND u.round = r.round),
                       (SELECT coalesce(sum(u.wire_bytes), 0) FROM coordinator.uploads u
                         WHERE u.experiment_id = r.experiment_id AND u.round = r.round),
                       extract(epoch FROM r.opened_at) * 1000,
                       (SELECT extract(epoch FROM min(u.received_at)) * 1000 FROM coordinator.uploads u
                         WHERE u.experiment_id = r.experiment_id AND u.round = r.round),
                       (SELECT extract(epoch FROM max(u.received_at)) * 1000 FROM coordinator.uploads u
                         WHERE u.experiment_id = r.experiment_id AND u.round = r.round),
                       extract(epoch FROM r.aggregated_at) * 1000,
                       extract(epoch FROM r.closed_at) * 1000
                FROM coordinator.rounds r WHERE r.experiment_id = ? ORDER BY r.round""";
        List<DbRound> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
             PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, experimentId);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new DbRound(r.getInt(1), r.getString(2), r.getInt(3), r.getInt(4), r.getLong(5), r.getLong(6),
                            r.getDouble(7), nullable(r, 8), nullable(r, 9), nullable(r, 10), nullable(r, 11)));
                }
            }
        }
        return out;
    }

    private static double nullable(ResultSet r, int column) throws SQLException {
        double v = r.getDouble(column);
        return r.wasNull() ? Double.NaN : v;
    }

    /** Everything measured in one run. */
    static final class Result {
        String status;
        String failureReason;
        double loopbackTcp = Double.NaN;
        double loopbackHttp = Double.NaN;
        long coordinatorStartRss;
        boolean peakReset;
        ProcStatus.Memory coordinatorMemory;
        ProcStatus.Memory codecMemory;
        double heapMax;
        double dbPoolMax;
        double dbTimeouts = Double.NaN;
        double gcPauses = Double.NaN;
        double gcSeconds = Double.NaN;
        Map<String, Double> coordinatorPeaks = Map.of();
        Map<String, Double> codecPeaks = Map.of();
        List<String> absentGauges = List.of();
        int samplesMissed;
        Duration coordinatorCpu;
        Duration codecCpu;
        Duration selfCpu;
        List<DbRound> rounds = List.of();
        List<SimulatedFleet.Upload> uploads = List.of();
        List<SimulatedFleet.Arrival> arrivals = List.of();
        List<SimulatedFleet.Download> downloads = List.of();
        Map<String, Integer> outcomes = Map.of();
        long pollsOpenPeak;
        long payloadBytes;
        double wallSeconds;
    }

    /** What one round's uploads did, from the workers' side. */
    record RoundStats(int round, int accepted, int attempts, double windowSeconds, long acceptedBytes, Percentiles latency,
                      long lastAcceptNanos, long firstSentNanos) {
        double uploadsPerSecond() {
            return accepted / windowSeconds;
        }

        double bytesPerSecond() {
            return acceptedBytes / windowSeconds;
        }
    }

    static RoundStats roundStats(int round, List<SimulatedFleet.Upload> all) {
        List<SimulatedFleet.Upload> mine = all.stream().filter(u -> u.round() == round).toList();
        List<SimulatedFleet.Upload> ok = mine.stream().filter(SimulatedFleet.Upload::accepted).toList();
        long first = mine.stream().mapToLong(SimulatedFleet.Upload::sentNanos).min().orElse(0);
        long last = ok.stream().mapToLong(SimulatedFleet.Upload::doneNanos).max().orElse(first);
        long bytes = ok.stream().mapToLong(SimulatedFleet.Upload::bytes).sum();
        long[] latencies = ok.stream().mapToLong(SimulatedFleet.Upload::latencyNanos).toArray();
        return new RoundStats(round, ok.size(), mine.size(), Math.max(1e-9, (last - first) / 1e9), bytes,
                new Percentiles(latencies), last, first);
    }

    private int report(Result r) {
        out.println();
        out.printf(Locale.ROOT, "experiment %s%s after %.0f s%n", r.status,
                r.failureReason == null ? "" : " (" + r.failureReason + ")", r.wallSeconds);
        out.println();
        out.println("| round | uploads accepted | tasks out | uploads/s | p50 upload | p99 upload | max upload "
                + "| MiB/s sustained | last upload -> aggregated | -> closed |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        List<String> failures = new ArrayList<>();
        Map<String, Object> json = new LinkedHashMap<>();
        List<Map<String, Object>> roundsJson = new ArrayList<>();
        for (DbRound db : r.rounds) {
            if (db.round() == 0) {
                continue;
            }
            RoundStats s = roundStats(db.round(), r.uploads);
            double toAggregated = (db.aggregatedAt() - db.lastUploadAt()) / 1000;
            double toClosed = (db.closedAt() - db.lastUploadAt()) / 1000;
            boolean any = s.latency().count() > 0;
            long[] train = r.arrivals.stream().filter(a -> a.round() == db.round() && a.type().equals("TRAIN"))
                    .mapToLong(a -> Math.round(a.epochMillis() - db.openedAt())).toArray();
            double tasksOut = train.length == 0 ? Double.NaN : new Percentiles(train).max() / 1000.0;
            double tasksOutMedian = train.length == 0 ? Double.NaN : new Percentiles(train).percentile(50) / 1000.0;
            out.printf(Locale.ROOT, "| %d | %d of %d%s | %.1f s | %.1f | %s | %s | %s | %.1f | %s | %s |%n",
                    db.round(), s.accepted(), o.workers,
                    s.attempts() == s.accepted() ? "" : " (" + s.attempts() + " attempts)", tasksOut,
                    s.uploadsPerSecond(),
                    any ? millis(s.latency().percentile(50)) : "-", any ? millis(s.latency().percentile(99)) : "-",
                    any ? millis(s.latency().max()) : "-", s.bytesPerSecond() / MIB, secondsOrNot(toAggregated),
                    secondsOrNot(toClosed));
            if (db.uploadRows() != o.workers || s.accepted() != o.workers
                    || (!Double.isNaN(db.aggregatedAt()) && db.uploadsCounted() != o.workers)) {
                failures.add("lost: round " + db.round() + ": " + s.accepted() + " uploads acknowledged, "
                        + db.uploadRows() + " stored, " + db.uploadsCounted() + " aggregated, of " + o.workers);
            }
            if (Double.isNaN(db.aggregatedAt())) {
                failures.add("round " + db.round() + " was not aggregated (" + db.status() + ")");
            }
            Map<String, Object> rj = new LinkedHashMap<>();
            rj.put("round", db.round());
            rj.put("accepted", s.accepted());
            rj.put("stored", db.uploadRows());
            rj.put("aggregated", db.uploadsCounted());
            rj.put("attempts", s.attempts());
            rj.put("tasksOutSeconds", round2(tasksOut));
            rj.put("tasksOutMedianSeconds", round2(tasksOutMedian));
            rj.put("uploadsPerSecond", round1(s.uploadsPerSecond()));
            rj.put("p50UploadMs", any ? round1(s.latency().percentile(50) / 1e6) : null);
            rj.put("p99UploadMs", any ? round1(s.latency().percentile(99) / 1e6) : null);
            rj.put("maxUploadMs", any ? round1(s.latency().max() / 1e6) : null);
            rj.put("mibPerSecond", round1(s.bytesPerSecond() / MIB));
            rj.put("lastUploadToAggregatedSeconds", round2(toAggregated));
            rj.put("lastUploadToClosedSeconds", round2(toClosed));
            rj.put("serverUploadSpreadSeconds", round2((db.lastUploadAt() - db.firstUploadAt()) / 1000));
            roundsJson.add(rj);
        }
        out.println();
        if (o.loopback) {
            out.printf(Locale.ROOT, "loopback in this run: raw TCP %.0f MiB/s, HTTP PUT to a trivial server %.0f MiB/s%n",
                    r.loopbackTcp / MIB, r.loopbackHttp / MIB);
        }
        var downloads = r.downloads.stream().filter(d -> d.status() == 200).toList();
        if (!downloads.isEmpty()) {
            Percentiles d = new Percentiles(downloads.stream().mapToLong(SimulatedFleet.Download::nanos).toArray());
            out.printf(Locale.ROOT, "adapter downloads: %d of %s, p50 %s, p99 %s%n", downloads.size(),
                    size(downloads.get(0).bytes()), millis(d.percentile(50)), millis(d.percentile(99)));
        }
        Map<String, Double> cp = r.coordinatorPeaks;
        out.printf(Locale.ROOT, "coordinator: RSS %s after start-up, peak RSS under load %s (VmHWM%s; sampled %s); "
                        + "heap in use peak %s of max %s; CPU %.1f s%n", mib(r.coordinatorStartRss),
                mib(r.coordinatorMemory.peakRssBytes()), r.peakReset ? " reset after start-up" : " since start-up",
                mib(cp.getOrDefault("rss", Double.NaN)), mib(cp.getOrDefault("heap used", Double.NaN)), mib(r.heapMax),
                seconds(r.coordinatorCpu));
        out.printf(Locale.ROOT, "coordinator GC: %.0f pauses, %.1f s in all; database connection timeouts: %.0f%n",
                r.gcPauses, r.gcSeconds, r.dbTimeouts);
        out.printf(Locale.ROOT, "coordinator pools (peaks): db connections active %s of %s, waiting for a connection %s; "
                        + "tomcat threads busy %s; live threads %s; polls held open by the workers %d%n",
                gauge(cp, "db connections active"), Double.isNaN(r.dbPoolMax) ? "?" : String.valueOf((long) r.dbPoolMax),
                gauge(cp, "db connections waiting"), gauge(cp, "tomcat threads busy"), gauge(cp, "live threads"),
                r.pollsOpenPeak);
        out.printf(Locale.ROOT, "codec-service: peak RSS %s, heap in use peak %s, CPU %.1f s; load generator CPU %.1f s%n",
                mib(r.codecMemory.peakRssBytes()), mib(r.codecPeaks.getOrDefault("heap used", Double.NaN)),
                seconds(r.codecCpu), seconds(r.selfCpu));
        out.println("responses: " + r.outcomes);
        if (r.uploads != null) {
            r.uploads.stream().filter(u -> u.error() != null).findFirst()
                    .ifPresent(u -> out.println("first refused upload: " + u.status() + " " + u.error()));
        }
        int fiveXx = 0;
        int transport = 0;
        for (var e : r.outcomes.entrySet()) {
            String[] parts = e.getKey().split(" ");
            String last = parts[parts.length - 1];
            if (last.length() == 3 && last.startsWith("5")) {
                fiveXx += e.getValue();
            }
            if (e.getKey().contains(" error ")) {
                transport += e.getValue();
            }
        }
        if (!"COMPLETED".equals(r.status)) {
            failures.add("experiment " + r.status + (r.failureReason == null ? "" : ": " + r.failureReason));
        }
        if (r.rounds.stream().filter(x -> x.round() > 0).count() != o.rounds) {
            failures.add("only " + r.rounds.stream().filter(x -> x.round() > 0).count() + " of " + o.rounds + " rounds ran");
        }
        if (fiveXx > 0) {
            failures.add(fiveXx + " responses with a 5xx status");
        }
        out.printf("checks: no upload lost %s; no 5xx %s; transport errors %d%n",
                failures.stream().anyMatch(f -> f.startsWith("lost")) ? "FAILED" : "OK", fiveXx == 0 ? "OK" : "FAILED",
                transport);
        failures.forEach(f -> out.println("  FAILED: " + f));

        json.put("status", r.status);
        json.put("workers", o.workers);
        json.put("rounds", o.rounds);
        json.put("model", o.model);
        json.put("codec", o.codec);
        json.put("payloadBytes", r.payloadBytes);
        json.put("loopbackTcpMiBps", round1(r.loopbackTcp / MIB));
        json.put("loopbackHttpMiBps", round1(r.loopbackHttp / MIB));
        json.put("roundStats", roundsJson);
        json.put("coordinatorPeakRssMiB", round1(r.coordinatorMemory.peakRssBytes() / MIB));
        json.put("coordinatorPeakHeapMiB", round1(cp.getOrDefault("heap used", Double.NaN) / MIB));
        json.put("dbConnectionTimeouts", r.dbTimeouts);
        json.put("gcSeconds", round1(r.gcSeconds));
        json.put("fiveXx", fiveXx);
        json.put("transportErrors", transport);
        json.put("ok", failures.isEmpty());
        out.println(CoordinatorApi.toJson(json));
        return failures.isEmpty() ? 0 : 1;
    }

    private static String secondsOrNot(double seconds) {
        return Double.isNaN(seconds) ? "not yet" : String.format(Locale.ROOT, "%.2f s", seconds);
    }

    /** A counter the service has not registered yet (no event so far) reads as zero. */
    private static double orZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    private static Duration minus(Duration a, Duration b) {
        return a == null || b == null ? null : a.minus(b);
    }

    private static double seconds(Duration d) {
        return d == null ? Double.NaN : d.toMillis() / 1000.0;
    }

    private static String gauge(Map<String, Double> peaks, String name) {
        Double v = peaks.get(name);
        return v == null ? "n/a" : String.valueOf(Math.round(v));
    }

    static String millis(long nanos) {
        double ms = nanos / 1e6;
        return ms >= 1000 ? String.format(Locale.ROOT, "%.2f s", ms / 1000) : String.format(Locale.ROOT, "%.0f ms", ms);
    }

    static String mib(double bytes) {
        return Double.isNaN(bytes) || bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MiB", bytes / MIB);
    }

    static String size(long bytes) {
        if (bytes >= 1 << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / MIB);
        }
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }

    private static Double round1(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 10) / 10.0;
    }

    private static Double round2(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 100) / 100.0;
    }
}
