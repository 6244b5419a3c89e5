package io.cgfed.launcher.load;

import static io.cgfed.launcher.load.LoadBenchReport.MIB;
import static io.cgfed.launcher.load.LoadBenchReport.size;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.launcher.CliArgs;
import io.cgfed.launcher.CoordinatorApi;
import io.cgfed.launcher.Platform;
import io.cgfed.launcher.ServiceProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
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
    public static final String USAGE = CliArgs.usage("bench-load [options]", LoadBenchOptions.OPTIONS);
    private final LoadBenchOptions o;
    private final PrintStream out;

    private LoadBench(LoadBenchOptions o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    /** Runs the benchmark; the exit status. */
    public static int run(String[] args, Path home) throws Exception {
        LoadBenchOptions o;
        try {
            o = LoadBenchOptions.parse(args);
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
            LoadBenchResult result = new LoadBenchResult();
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
                        o.download, o.spreadMillis, o.httpClients, 7), (id, round, client) -> template.payload(id, round, client, 1),
                        o.secureAggregation ? Math.toIntExact(template.values()) : 0);
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
                result.rounds = DbRound.read(platform.databaseUrl(), UUID.fromString(experimentId));
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
            result.secureClientCpuSeconds = fleet.secureClientCpuSeconds();
            result.uploads = fleet.uploads();
            result.arrivals = fleet.arrivals();
            result.downloads = fleet.downloads();
            result.outcomes = fleet.outcomes();
            result.pollsOpenPeak = fleet.pollsOpenPeak();
            result.payloadBytes = payloadBytes;
            result.wallSeconds = (System.nanoTime() - t0) / 1e9;
            return new LoadBenchReport(o, out).print(result);
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
        spec.put("codec", Map.of("name", o.secureCompression > 0 ? "none" : o.codec, "settings", Map.of()));
        if (o.secureAggregation) {
            Map<String, Object> sa = new LinkedHashMap<>(Map.of("enabled", true));
            if (o.secureCompression > 0) {
                sa.put("compression", o.secureCompression);
            }
            spec.put("secureAggregation", sa);
        }
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

    /** A counter the service has not registered yet (no event so far) reads as zero. */
    private static double orZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    private static Duration minus(Duration a, Duration b) {
        return a == null || b == null ? null : a.minus(b);
    }
}
