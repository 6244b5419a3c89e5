package io.cgfed.launcher;

import static io.cgfed.launcher.CliArgs.positive;

import java.nio.file.Path;
import java.util.Map;

/**
 * The command-line options of {@code demo}, {@code up} and {@code generate} (they share one set), with the
 * demo's defaults.
 */
final class LauncherOptions {
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

    static LauncherOptions parse(String[] args) {
        LauncherOptions o = new LauncherOptions();
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
