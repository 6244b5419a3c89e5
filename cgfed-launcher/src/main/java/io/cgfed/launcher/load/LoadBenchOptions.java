package io.cgfed.launcher.load;

import static io.cgfed.launcher.CliArgs.positive;

import io.cgfed.launcher.CliArgs;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code ./cgfed bench-load}'s command-line options, their defaults and their checks. */
final class LoadBenchOptions {
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
    /** Secure aggregation (SecAgg+) on the experiment; the simulated clients run its stages. */
    boolean secureAggregation;
    /** Compressed secure aggregation at 1/N (0: off). */
    int secureCompression;
    boolean help;

    static LoadBenchOptions parse(String[] args) {
        LoadBenchOptions o = new LoadBenchOptions();
        CliArgs.Parsed parsed = CliArgs.parse(args, OPTIONS);
        o.help = parsed.help();
        for (var given : parsed.given()) {
            String flag = given.getKey();
            String v = given.getValue();
            switch (flag) {
                case "--no-download" -> o.download = false;
                case "--no-loopback" -> o.loopback = false;
                case "--secure-aggregation" -> o.secureAggregation = true;
                case "--secure-compression" -> {
                    o.secureAggregation = true;
                    o.secureCompression = positive(flag, v);
                }
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
            CliArgs.flag("--secure-aggregation", "SecAgg+ on the experiment: the clients run its four stages"),
            CliArgs.value("--secure-compression", "N", "compressed secure aggregation at 1/N (implies the above)"),
            CliArgs.value("--timeout-minutes", "N", "give up after (20)"),
            CliArgs.value("--work-dir", "DIR", "the platform's files (a temporary directory)"),
            CliArgs.value("--service-heap", "SIZE", "-Xmx of the services (512m)"),
            CliArgs.value("--coordinator-env", "KEY=VALUE", "an extra coordinator setting (repeatable)"));
}
