package io.cgfed.launcher;

import static io.cgfed.launcher.CliArgs.positive;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./cgfed demo [--codec NAME] [--clients N] [--rounds N]}: the platform, one demo
 * experiment, a results table, a JSON summary; exit 0 only if the experiment COMPLETED.
 * {@code ./cgfed up [--workers N] [--port-base P]}: the platform, kept running until Ctrl-C.
 * {@code ./cgfed bench-load [--workers N] ...}: one coordinator under N simulated workers ({@link io.cgfed.launcher.load.LoadBench}).
 * {@code ./cgfed make-checkpoint --config NAME --out DIR}: a published architecture with random weights ({@link MakeCheckpoint}).
 * {@code ./cgfed chaos [--trials N]}: services killed at random points of real experiments, hostile specs ({@link io.cgfed.launcher.chaos.ChaosRun}).
 */
public final class CgfedLauncher {
    private CgfedLauncher() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            usage();
            System.exit(args.length == 0 ? 2 : 0);
        }
        if (args[0].equals("bench")) {
            System.exit(io.cgfed.launcher.bench.Bench.run(java.util.Arrays.copyOfRange(args, 1, args.length), home()));
        }
        if (args[0].equals("chaos")) {
            System.exit(io.cgfed.launcher.chaos.ChaosRun.run(java.util.Arrays.copyOfRange(args, 1, args.length), home()));
        }
        if (args[0].equals("bench-model")) {
            System.exit(io.cgfed.launcher.bench.BenchModel.run(java.util.Arrays.copyOfRange(args, 1, args.length), home()));
        }
        if (args[0].equals("export")) {
            System.exit(ExportCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args[0].equals("make-checkpoint")) {
            System.exit(MakeCheckpoint.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args[0].equals("bench-load")) {
            System.exit(io.cgfed.launcher.load.LoadBench.run(java.util.Arrays.copyOfRange(args, 1, args.length), home()));
        }
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("cgfed: " + e.getMessage());
            usage();
            System.exit(2);
            return;
        }
        if (o.help && java.util.List.of("demo", "up", "generate").contains(args[0])) {
            System.out.print(CliArgs.usage(args[0] + " [options]", Options.OPTIONS));
            System.exit(0);
        }
        switch (args[0]) {
            case "demo" -> System.exit(demo(o));
            case "up" -> up(o);
            case "generate" -> System.exit(generate(o));
            default -> {
                System.err.println("cgfed: unknown command '" + args[0] + "'");
                usage();
                System.exit(2);
            }
        }
    }

    static int demo(Options o) throws Exception {
        long t0 = System.nanoTime();
        Path work = o.workDir != null ? o.workDir : Files.createTempDirectory("cgfed-demo-");
        Platform platform = new Platform(new Platform.Settings(home(), work, o.workers > 0 ? o.workers : o.clients,
                o.portBase, false, o.workerThreads));
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close));
        try (platform) {
            platform.start(System.out);
            DemoRun run = new DemoRun(new CoordinatorApi(platform.coordinatorUrl(), platform.adminApiKey()), System.out);
            Map<String, Object> privacy = o.dpEpsilon > 0
                    ? Map.of("epsilon", o.dpEpsilon, "delta", 1e-5, "clipNorm", o.dpClip) : null;
            JsonNode result = run.run(DemoRun.demoSpec(o.codec, o.codecSettings, o.errorFeedback, privacy, o.audit, o.clients,
                            o.rounds),
                    Duration.ofMinutes(o.timeoutMinutes));
            run.printTable(result);
            Map<String, Object> summary = DemoRun.summary(result, (System.nanoTime() - t0) / 1e9);
            System.out.println(CoordinatorApi.toJson(summary));
            return "COMPLETED".equals(summary.get("status")) ? 0 : 1;
        } catch (Exception e) {
            System.err.println("cgfed demo failed: " + e.getMessage());
            for (ServiceProcess s : platform.services()) {
                if (!s.alive()) {
                    System.err.println("--- " + s.name() + " (exited) ---\n" + s.tail(30));
                }
            }
            System.err.println("logs: " + work.resolve("logs"));
            return 1;
        }
    }

    static void up(Options o) throws Exception {
        Path work = o.workDir != null ? o.workDir : home().resolve(".cgfed");
        Platform platform = new Platform(new Platform.Settings(home(), work, o.workers > 0 ? o.workers : 3,
                o.portBase, true, o.workerThreads));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nstopping cgfed ...");
            platform.close();
            stopped.countDown();
        }));
        platform.start(System.out);
        System.out.println();
        System.out.println("cgfed is up. This run's admin API key (shown once; a new one each time cgfed up starts):");
        System.out.println("  export CGFED_API_KEY=" + platform.adminApiKey());
        System.out.println("Submit an experiment:");
        System.out.println("  curl -s -X POST " + platform.coordinatorUrl()
                + "/api/v1/experiments -H \"Authorization: Bearer $CGFED_API_KEY\" -H 'Content-Type: application/json' -d '"
                + CoordinatorApi.toJson(DemoRun.demoSpec("fp16", 3, 3)) + "'");
        System.out.println("Watch it:   curl -s " + platform.coordinatorUrl() + "/api/v1/experiments");
        System.out.println("Its record: curl -s " + platform.registryUrl() + "/api/v1/experiments");
        System.out.println("Dashboard:  " + platform.registryUrl() + "/  (API: " + platform.registryUrl() + "/swagger-ui.html)");
        System.out.println("Ctrl-C stops everything.");
        stopped.await();
    }

    /** Asks a running worker to continue a prompt with an experiment's adapter. */
    static int generate(Options o) throws Exception {
        if (o.experiment == null || o.prompt == null) {
            System.err.println("cgfed generate needs --experiment ID and --prompt TEXT");
            return 2;
        }
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("experimentId", o.experiment);
        if (o.version >= 0) {
            body.put("adapterVersion", o.version);
        }
        body.put("prompt", o.prompt);
        body.put("maxNewTokens", o.maxNewTokens);
        body.put("temperature", o.temperature);
        body.put("topK", o.topK);
        body.put("seed", o.seed);
        String key = System.getenv("CGFED_API_KEY");
        if (key == null || key.isBlank()) {
            System.err.println("cgfed generate needs a user's API key in CGFED_API_KEY (./cgfed up prints the admin key)");
            return 2;
        }
        var http = java.net.http.HttpClient.newHttpClient();
        var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(o.workerUrl + "/api/v1/generate"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key.strip())
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(CoordinatorApi.toJson(body))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            System.err.println("cgfed generate: the worker answered " + response.statusCode() + ": " + response.body());
            return 1;
        }
        JsonNode r = tools.jackson.databind.json.JsonMapper.builder().build().readTree(response.body());
        System.out.println(r.get("prompt").asString() + r.get("completion").asString());
        System.err.printf("(adapter version %d of %s, %d new tokens)%n", r.get("adapterVersion").asInt(),
                r.get("experimentId").asString(), r.get("newTokens").asInt());
        return 0;
    }

    static Path home() {
        String h = System.getProperty("cgfed.home", System.getenv().getOrDefault("CGFED_HOME", "."));
        return Path.of(h).toAbsolutePath().normalize();
    }

    private static void usage() {
        System.err.println("""
                usage: cgfed demo [--codec NAME] [--set KEY=VALUE ...] [--error-feedback] [--audit]
                                  [--dp-epsilon E [--dp-clip C]] [--clients N]
                                  [--rounds N] [--workers N] [--timeout-minutes N]
                       cgfed up   [--workers N] [--port-base P]
                       cgfed generate --experiment ID --prompt TEXT [--version N] [--max-new-tokens N]
                                      [--temperature T] [--top-k K] [--seed S] [--worker URL]
                       cgfed bench [--quick] [--methods M,...] [--sweeps ratio,noise,dp|none] [--seeds S,...]
                                   [--rounds N] [--out DIR] [--setup dolly|ceval|mmlu --model-dir D --dataset-path P] ...
                       cgfed bench-train
                       cgfed bench-load [--workers 500] [--rounds 2] [--model M] [--rank R] [--targets q,v]
                                        [--codec C] [--payload-kb K] [--spread-ms MS] [--no-download] ...
                       cgfed chaos [--trials 10] [--clients 2] [--rounds 3] [--seed S]
                       cgfed export --experiment ID --version V --out DIR [--merged] [--coordinator URL]
                       cgfed bench-model --model DIR [--workers 2] [--rounds 1] [--steps 4] [--batch 2] [--seq 64]
                                         [--base-dtype auto|float32|float16] [--checkpointing auto|on|off] ...
                       cgfed make-checkpoint --config NAME --out DIR [--dtype bf16|f16|f32] [--shards N] [--seed S]
                                             [--layout-only]
                common: [--work-dir DIR] [--worker-threads N]
                  demo  runs the platform, one demo experiment, prints its results; exit 0 iff it COMPLETED
                  up    runs the platform until Ctrl-C (ports P+1 coordinator, P+2 codec, P+3 registry; default P=8080)
                  generate  continues a prompt with an experiment's adapter on a running worker (default :8090)
                  bench  every codec on the same task through the services: tables (Markdown, CSV), sweeps, SVG plots
                  bench-train  LoRA training throughput beside the matmul roofline
                  bench-load   one coordinator under N simulated workers: upload rate, latency, round close, memory
                  chaos  kill -9 of the coordinator and the codec-service at random points of real experiments,
                         then hostile specs: a table of experiments completed, uploads lost and doubled; exit 0 iff clean
                  export  an adapter version as a PEFT directory, or with --merged the base with it merged in
                         (a Hugging Face checkpoint in the base's dtype); needs CGFED_API_KEY
                  bench-model  one experiment on a checkpoint through the services: each worker's peak RSS and
                         where its training task's time went
                  make-checkpoint  a Hugging Face Llama checkpoint of a published shape (smollm-135m, tinyllama-1.1b,
                         llama-3.2-1b, llama-7b) with random weights, streamed to disk""");
    }

    /** Command-line options with the demo's defaults. */
    static final class Options {
        String codec = "fp16";
        Map<String, Object> codecSettings = new java.util.LinkedHashMap<>();
        boolean errorFeedback;
        boolean audit;
        double dpEpsilon;
        double dpClip = 1.0;
        int clients = 3;
        int rounds = 3;
        int workers = 0;
        int portBase = 0;
        int workerThreads = 1;
        int timeoutMinutes = 20;
        Path workDir;
        String experiment;
        String prompt;
        int version = -1;
        int maxNewTokens = 32;
        double temperature = 0;
        int topK = 0;
        long seed = 0;
        String workerUrl = "http://localhost:8090";

        boolean help;

        /** demo's, up's and generate's options (they share one set). */
        static final java.util.List<CliArgs.Option> OPTIONS = java.util.List.of(
                CliArgs.value("--codec", "NAME", "demo: the codec (none)"),
                CliArgs.value("--set", "KEY=VALUE", "demo: a codec setting (repeatable)"),
                CliArgs.flag("--error-feedback", "demo: error feedback on the workers"),
                CliArgs.flag("--audit", "demo: workers also upload raw updates, to measure the aggregate's fidelity"),
                CliArgs.value("--dp-epsilon", "E", "demo: differential privacy budget"),
                CliArgs.value("--dp-clip", "C", "demo: its clipping norm"),
                CliArgs.value("--clients", "N", "demo: clients"),
                CliArgs.value("--rounds", "N", "demo: rounds"),
                CliArgs.value("--workers", "N", "demo, up: training workers"),
                CliArgs.value("--port-base", "P", "up: ports P+1 coordinator, P+2 codec, P+3 registry (8080)"),
                CliArgs.value("--timeout-minutes", "N", "demo: give up after (20)"),
                CliArgs.value("--work-dir", "DIR", "the platform's files"),
                CliArgs.value("--worker-threads", "N", "intra-op threads per worker"),
                CliArgs.value("--experiment", "ID", "generate: the experiment"),
                CliArgs.value("--prompt", "TEXT", "generate: the prompt"),
                CliArgs.value("--version", "N", "generate: the adapter version (the latest)"),
                CliArgs.value("--max-new-tokens", "N", "generate: tokens to add (32)"),
                CliArgs.value("--temperature", "T", "generate: 0 for greedy (0)"),
                CliArgs.value("--top-k", "K", "generate: sample among the k most likely (0: all)"),
                CliArgs.value("--seed", "S", "generate: the sampling seed"),
                CliArgs.value("--worker", "URL", "generate: a running worker (http://localhost:8090)"));

        static Options parse(String[] args) {
            Options o = new Options();
            if (args[0].equals("up")) {
                o.portBase = 8080;
            }
            CliArgs.Parsed parsed = CliArgs.parse(java.util.Arrays.asList(args).subList(1, args.length), OPTIONS);
            o.help = parsed.help();
            for (var given : parsed.given()) {
                String flag = given.getKey();
                String v = given.getValue();
                switch (flag) {
                    case "--error-feedback" -> o.errorFeedback = true;
                    case "--audit" -> o.audit = true;
                    case "--codec" -> o.codec = v;
                    case "--clients" -> o.clients = positive(flag, v);
                    case "--rounds" -> o.rounds = positive(flag, v);
                    case "--workers" -> o.workers = positive(flag, v);
                    case "--port-base" -> o.portBase = positive(flag, v);
                    case "--worker-threads" -> o.workerThreads = positive(flag, v);
                    case "--timeout-minutes" -> o.timeoutMinutes = positive(flag, v);
                    case "--work-dir" -> o.workDir = Path.of(v).toAbsolutePath();
                    case "--experiment" -> o.experiment = v;
                    case "--prompt" -> o.prompt = v;
                    case "--version" -> o.version = Integer.parseInt(v);
                    case "--max-new-tokens" -> o.maxNewTokens = positive(flag, v);
                    case "--temperature" -> o.temperature = Double.parseDouble(v);
                    case "--top-k" -> o.topK = Integer.parseInt(v);
                    case "--seed" -> o.seed = Long.parseLong(v);
                    case "--dp-epsilon" -> o.dpEpsilon = Double.parseDouble(v);
                    case "--dp-clip" -> o.dpClip = Double.parseDouble(v);
                    case "--worker" -> o.workerUrl = v;
                    case "--set" -> {
                        int eq = v.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--set needs KEY=VALUE, got " + v);
                        }
                        o.codecSettings.put(v.substring(0, eq), settingValue(v.substring(eq + 1)));
                    }
                    default -> throw new IllegalStateException(flag);
                }
            }
            return o;
        }

        /** A codec setting from the command line: true/false, an integer, a number, or text. */
        static Object settingValue(String v) {
            if (v.equals("true") || v.equals("false")) {
                return Boolean.parseBoolean(v);
            }
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException notInt) {
                try {
                    return Double.parseDouble(v);
                } catch (NumberFormatException notNumber) {
                    return v;
                }
            }
        }
    }
}
