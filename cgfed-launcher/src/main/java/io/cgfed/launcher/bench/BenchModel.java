package io.cgfed.launcher.bench;

import io.cgfed.launcher.CliArgs;
import io.cgfed.launcher.CoordinatorApi;
import io.cgfed.launcher.DemoRun;
import io.cgfed.launcher.Platform;
import io.cgfed.launcher.ServiceProcess;
import io.cgfed.launcher.load.ProcStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./cgfed bench-model --model DIR [--workers 2] [--rounds 1] [--steps 4] [--batch 2] [--micro-batch N]
 * [--seq 64] [--rank 8] [--targets q,v] [--codec fp16] [--base-dtype auto] [--checkpointing auto|on|off]
 * [--worker-threads 1] [--eval-examples 8] [--data demo-mc|instructions]}: one experiment on a Hugging Face checkpoint through the real
 * services (REST, PostgreSQL, one worker process per client), then each worker's peak resident memory
 * (VmHWM, sampled beside VmRSS), where its last training task's time went (its /api/v1/status), and the
 * round against the training time: the target numbers of the real-model-sizes issue, on this machine.
 */
public final class BenchModel {
    private static final long MIB = 1L << 20;

    private BenchModel() {
    }

    static final java.util.List<CliArgs.Option> OPTIONS = java.util.List.of(
            CliArgs.value("--model", "DIR", "a Hugging Face checkpoint (./cgfed make-checkpoint writes one)"),
            CliArgs.value("--workers", "N", "training workers, one client each (2)"),
            CliArgs.value("--rounds", "N", "rounds (1)"),
            CliArgs.value("--steps", "N", "local steps per round (4)"),
            CliArgs.value("--batch", "N", "batch size (2)"),
            CliArgs.value("--micro-batch", "N", "micro-batch size (the batch)"),
            CliArgs.value("--seq", "N", "sequence length (64)"),
            CliArgs.value("--rank", "R", "LoRA rank (8)"),
            CliArgs.value("--targets", "q,v", "LoRA targets (q,v)"),
            CliArgs.value("--codec", "NAME", "the codec (fp16)"),
            CliArgs.value("--base-dtype", "auto|float32|float16", "the workers' frozen base (auto: the checkpoint's)"),
            CliArgs.value("--checkpointing", "auto|on|off", "activation checkpointing (auto: on for a half base)"),
            CliArgs.value("--worker-threads", "N", "intra-op threads per worker (1)"),
            CliArgs.value("--eval-examples", "N", "held-out examples (8)"),
            CliArgs.value("--data", "demo-mc|instructions", "the task (demo-mc)"),
            CliArgs.value("--timeout-minutes", "N", "give up after (60)"));

    public static int run(String[] args, Path home) throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Map.of("--workers", "2", "--rounds", "1", "--steps", "4",
                "--batch", "2", "--seq", "64", "--rank", "8", "--targets", "q,v", "--codec", "fp16",
                "--base-dtype", "auto", "--checkpointing", "auto"));
        o.put("--worker-threads", "1");
        o.put("--eval-examples", "8");
        try {
            CliArgs.Parsed parsed = CliArgs.parse(args, OPTIONS);
            if (parsed.help()) {
                System.out.print(CliArgs.usage("bench-model --model DIR [options]", OPTIONS));
                return 0;
            }
            parsed.given().forEach(e -> o.put(e.getKey(), e.getValue()));
        } catch (IllegalArgumentException e) {
            System.err.println("cgfed bench-model: " + e.getMessage());
            System.err.print(CliArgs.usage("bench-model --model DIR [options]", OPTIONS));
            return 2;
        }
        if (!o.containsKey("--model")) {
            System.err.println("cgfed bench-model needs --model DIR (a checkpoint: ./cgfed make-checkpoint writes one)");
            return 2;
        }
        Path model = Path.of(o.get("--model")).toAbsolutePath().normalize();
        int workers = CliArgs.positive("--workers", o.get("--workers"));
        int rounds = CliArgs.positive("--rounds", o.get("--rounds"));
        long weightBytes;
        try (Stream<Path> files = Files.list(model)) {
            weightBytes = files.filter(f -> f.toString().endsWith(".safetensors")).mapToLong(f -> f.toFile().length()).sum();
        }
        Path work = Files.createTempDirectory("cgfed-bench-model-");
        Map<String, String> coordinatorEnv = new LinkedHashMap<>();
        coordinatorEnv.put("CGFED_MODEL_ROOTS", model.getParent().toString());
        Path data = null;
        if (o.getOrDefault("--data", "demo-mc").equals("instructions")) {
            data = work.resolve("data").resolve("instructions.jsonl");
            Files.createDirectories(data.getParent());
            writeInstructions(data, 40 * workers);
            coordinatorEnv.put("CGFED_DATA_ROOTS", data.getParent().toString());
        }
        Map<String, String> workerEnv = Map.of("CGFED_WORKER_BASE_DTYPE", o.get("--base-dtype"));
        Platform platform = new Platform(new Platform.Settings(home, work, workers, 0, false,
                CliArgs.positive("--worker-threads", o.get("--worker-threads")), coordinatorEnv, null, workerEnv));
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close));
        try (platform) {
            platform.start(System.out);
            List<ServiceProcess> workerProcesses = platform.services().stream()
                    .filter(s -> s.name().startsWith("worker-")).toList();
            Map<Long, Long> peakRss = new LinkedHashMap<>();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    for (ServiceProcess w : workerProcesses) {
                        long rss = ProcStatus.memory(w.pid()).rssBytes();
                        synchronized (peakRss) {
                            peakRss.merge(w.pid(), rss, Math::max);
                        }
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.setDaemon(true);
            sampler.start();
            Map<String, Object> spec = spec(model, o, workers, rounds, data);
            System.out.println("spec: " + CoordinatorApi.toJson(spec));
            long t0 = System.nanoTime();
            DemoRun run = new DemoRun(new CoordinatorApi(platform.coordinatorUrl(), platform.adminApiKey()), System.out);
            JsonNode result = run.run(spec, Duration.ofMinutes(Long.parseLong(o.getOrDefault("--timeout-minutes", "60"))));
            double wall = (System.nanoTime() - t0) / 1e9;
            sampling.set(false);
            sampler.join();
            run.printTable(result);
            String status = result.get("status").asString();
            report(result, workerProcesses, peakRss, weightBytes, wall, platform.adminApiKey());
            return "COMPLETED".equals(status) ? 0 : 1;
        }
    }

    /**
     * Alpaca-style examples long enough that every sequence reaches the cap (the template is about 150
     * tokens under the byte-level tokenizer make-checkpoint writes): training time then measures a known
     * number of tokens.
     */
    private static void writeInstructions(Path file, int n) throws java.io.IOException {
        String[] words = {"federated", "learning", "keeps", "data", "where", "it", "lives", "while", "a", "shared",
            "model", "improves", "from", "compressed", "updates", "of", "many", "clients"};
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            StringBuilder response = new StringBuilder();
            while (response.length() < 600) {
                response.append(words[random.nextInt(words.length)]).append(' ');
            }
            out.append(CoordinatorApi.toJson(Map.of("instruction", "Continue the text about federated learning, part " + i
                    + ".", "input", "", "output", response.toString().strip()))).append('\n');
        }
        Files.writeString(file, out);
    }

    private static Map<String, Object> spec(Path model, Map<String, String> o, int workers, int rounds, Path data) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("name", "bench-model-" + model.getFileName());
        spec.put("model", Map.of("name", model.toString()));
        if (data == null) {
            spec.put("dataset", Map.of("name", "demo-mc", "seed", 7, "trainExamples", 40 * workers,
                    "evalExamples", Integer.parseInt(o.get("--eval-examples")), "partition", "iid"));
        } else {
            spec.put("dataset", Map.of("name", "instructions", "path", data.toString(), "seed", 7,
                    "trainExamples", 36 * workers, "evalExamples", Integer.parseInt(o.get("--eval-examples")),
                    "partition", "iid"));
        }
        spec.put("clients", workers);
        spec.put("fractionPerRound", 1.0);
        spec.put("minClients", workers);
        spec.put("rounds", rounds);
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("localSteps", Integer.parseInt(o.get("--steps")));
        training.put("batchSize", Integer.parseInt(o.get("--batch")));
        training.put("microBatchSize", Integer.parseInt(o.getOrDefault("--micro-batch", o.get("--batch"))));
        training.put("learningRate", 0.001);
        training.put("maxSequenceLength", Integer.parseInt(o.get("--seq")));
        if (!o.get("--checkpointing").equals("auto")) {
            training.put("activationCheckpointing", o.get("--checkpointing").equals("on"));
        }
        spec.put("training", training);
        spec.put("lora", Map.of("rank", Integer.parseInt(o.get("--rank")), "alpha", 2.0 * Integer.parseInt(o.get("--rank")),
                "targets", List.of(o.get("--targets").split(","))));
        spec.put("codec", Map.of("name", o.get("--codec")));
        spec.put("roundDeadlineSeconds", 3600);
        spec.put("seed", 42);
        return spec;
    }

    private static void report(JsonNode result, List<ServiceProcess> workers, Map<Long, Long> sampled, long weightBytes,
                               double wall, String apiKey) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long limit = (long) (1.3 * weightBytes) + 600 * MIB;
        System.out.printf(Locale.ROOT, "%nweights on disk %.1f MiB; RSS target per worker 1.3 x weights + 600 MiB = %.1f MiB%n",
                weightBytes / (double) MIB, limit / (double) MIB);
        System.out.println("| worker | peak RSS (VmHWM) MiB | sampled max RSS MiB | within target | base | checkpointing"
                + " | model s | adapter s | train s | train tokens | tokens/s | encode s | upload s |");
        System.out.println("|---|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        double trainSum = 0;
        int n = 0;
        for (ServiceProcess w : workers) {
            ProcStatus.Memory m = ProcStatus.memory(w.pid());
            long sampledMax;
            synchronized (sampled) {
                sampledMax = sampled.getOrDefault(w.pid(), -1L);
            }
            JsonNode status = JsonMapper.builder().build().readTree(http.send(HttpRequest.newBuilder(
                    URI.create(w.url() + "/api/v1/status")).header("Authorization", "Bearer " + apiKey).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            JsonNode t = status.path("lastTrainTask");
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %s | %s | %s | %.2f | %.2f | %.2f | %d | %.1f | %.2f | %.2f |%n",
                    w.name(), m.peakRssBytes() / (double) MIB, sampledMax / (double) MIB,
                    m.peakRssBytes() <= limit ? "yes" : "NO", t.path("baseStorage").asString("?"),
                    t.path("activationCheckpointing").asBoolean(), t.path("modelSeconds").asDouble(),
                    t.path("adapterSeconds").asDouble(), t.path("trainSeconds").asDouble(), t.path("trainTokens").asLong(),
                    t.path("trainTokensPerSecond").asDouble(), t.path("encodeSeconds").asDouble(),
                    t.path("uploadSeconds").asDouble());
            trainSum += t.path("trainSeconds").asDouble();
            n++;
        }
        List<String> rounds = new ArrayList<>();
        for (JsonNode r : result.get("roundSummaries")) {
            rounds.add(r.toString());
        }
        System.out.printf(Locale.ROOT, "experiment %s in %.1f s wall (submit to end); mean training %.1f s per worker task%n",
                result.get("status").asString(), wall, n == 0 ? 0 : trainSum / n);
        System.out.println("round summaries: " + rounds);
    }
}
