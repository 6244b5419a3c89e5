package io.cgfed.launcher.bench;

import static io.cgfed.launcher.CliArgs.positive;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code ./cgfed bench} options: what to run, on which budget, where to write. */
public final class BenchOptions {
    public static final List<String> ALL_SWEEPS = List.of("ratio", "noise", "dp");

    /** The codecs under FedAvg by default; the strategy rows when --methods names them. */
    List<String> methods = BenchMethod.all().stream().filter(BenchMethod::codecRow)
            .map(BenchMethod::id).toList();
    Set<String> sweeps = new LinkedHashSet<>(ALL_SWEEPS);
    List<Long> seeds = List.of(1L, 2L, 3L);
    List<Long> sweepSeeds;
    Integer rounds;
    Integer clients;
    Integer localSteps;
    List<Integer> ratios = List.of(16, 64, 256);
    List<Double> noiseSigmas = List.of(5e-5, 5e-4, 5e-3, 5e-2, 5e-1);
    List<Double> dpEpsilons = List.of(0.25, 2.0, 8.0);
    List<String> ratioMethods = List.of("cgae-ef", "topk-ef", "rotq-ef");
    List<String> noiseMethods = List.of("cgae", "lora-ft");
    List<String> dpMethods = List.of("cgae", "lora-ft");
    double dpClip = 1.0;
    Path out;
    Path workDir;
    int workers;
    int workerThreads = 1;
    /** Byzantine test workers: the first {@code attackers} workers send {@code attack} instead of their updates. */
    int attackers;
    String attack = "scale:-10";
    /** The data split across clients (iid, dirichlet:ALPHA); null: the setup's. */
    String partition;
    /** The coordinator's quarantine (robust norm check) factor; null: its default. */
    Double quarantineMadFactor;
    /** Every experiment's {@code lora.variant} (standard, ffa); null: the spec's default. */
    String loraVariant;
    /** Every experiment's strategy in place of its method's ({@code aggregation.name}); null: the method's. */
    String strategy;
    /** Audit mode on every experiment: workers also attach their raw updates, the rounds report the aggregate's fidelity. */
    boolean audit;
    /** Secure aggregation (SecAgg+) on every experiment, with the spec's defaults but for these (0: the default). */
    boolean secureAggregation;
    int secureBits;
    double secureClip;
    int secureCompression;
    /** Client-side error feedback on every experiment (compressed secure aggregation's, or the codec's). */
    boolean errorFeedback;
    /** The main table's budget (1/compression of fp32) for the budgeted methods. */
    int compression = BenchMethod.DEFAULT_COMPRESSION;
    int timeoutMinutes = 30;
    String setup = "tiny";
    String modelDir;
    String datasetPath;
    String evalPath;
    Integer trainExamples;
    Integer evalExamples;
    String coordinatorUrl;
    String registryUrl;
    boolean quick;
    boolean keepRunning;
    Path reportOnly;
    boolean help;

    static final List<io.cgfed.launcher.CliArgs.Option> OPTIONS = List.of(
            io.cgfed.launcher.CliArgs.flag("--quick", "one seed, 3 rounds, fewer sweep points"),
            io.cgfed.launcher.CliArgs.value("--methods", "ID,...", "the main table's methods (the codecs by default: "
                    + String.join(",", BenchMethod.all().stream().filter(BenchMethod::codecRow)
                    .map(BenchMethod::id).toList()) + "; strategies and FedProx: " + String.join(",", BenchMethod.all().stream()
                    .filter(m -> !m.codecRow()).map(BenchMethod::id).toList()) + ")"),
            io.cgfed.launcher.CliArgs.value("--sweeps", "ratio,noise,dp|none", "the sweeps (all three)"),
            io.cgfed.launcher.CliArgs.value("--seeds", "S,...", "the main table's seeds (1,2,3)"),
            io.cgfed.launcher.CliArgs.value("--sweep-seeds", "S,...", "the sweeps' seeds (the first main seed)"),
            io.cgfed.launcher.CliArgs.value("--rounds", "N", "rounds (the setup's)"),
            io.cgfed.launcher.CliArgs.value("--clients", "N", "clients (the setup's)"),
            io.cgfed.launcher.CliArgs.value("--local-steps", "N", "local steps per round (the setup's)"),
            io.cgfed.launcher.CliArgs.value("--ratios", "16,64,256", "the ratio sweep's compressions"),
            io.cgfed.launcher.CliArgs.value("--noise-sigmas", "5e-5,...", "the noise sweep's sigmas"),
            io.cgfed.launcher.CliArgs.value("--dp-epsilons", "0.25,2,8", "the DP sweep's epsilons"),
            io.cgfed.launcher.CliArgs.value("--dp-clip", "C", "the DP sweep's clipping norm (1)"),
            io.cgfed.launcher.CliArgs.value("--ratio-methods", "ID,...", "the ratio sweep's methods"),
            io.cgfed.launcher.CliArgs.value("--noise-methods", "ID,...", "the noise sweep's methods"),
            io.cgfed.launcher.CliArgs.value("--dp-methods", "ID,...", "the DP sweep's methods"),
            io.cgfed.launcher.CliArgs.value("--out", "DIR", "where the report goes (bench-results/DATE)"),
            io.cgfed.launcher.CliArgs.value("--work-dir", "DIR", "the platform's files"),
            io.cgfed.launcher.CliArgs.value("--workers", "N", "training workers (the clients per round)"),
            io.cgfed.launcher.CliArgs.value("--worker-threads", "N", "intra-op threads per worker (1)"),
            io.cgfed.launcher.CliArgs.value("--partition", "P", "the split across clients: iid or dirichlet:ALPHA (the setup's)"),
            io.cgfed.launcher.CliArgs.value("--attackers", "N", "Byzantine workers among them: the first N send --attack (0)"),
            io.cgfed.launcher.CliArgs.value("--attack", "KIND", "sign-flip, scale:F or random (scale:-10)"),
            io.cgfed.launcher.CliArgs.value("--quarantine-mad-factor", "X",
                    "the coordinator's norm quarantine (its default 10; a large X turns it off)"),
            io.cgfed.launcher.CliArgs.value("--lora-variant", "standard|ffa", "every experiment's LoRA variant (standard)"),
            io.cgfed.launcher.CliArgs.value("--strategy", "NAME", "every experiment's strategy in place of its method's"),
            io.cgfed.launcher.CliArgs.flag("--audit", "audit mode: raw updates attached, the aggregate's ΔW cosine reported"),
            io.cgfed.launcher.CliArgs.flag("--secure-aggregation", "every experiment securely aggregated (SecAgg+, defaults)"),
            io.cgfed.launcher.CliArgs.value("--secure-bits", "N", "secure aggregation's level bits (16; 1 with --secure-compression)"),
            io.cgfed.launcher.CliArgs.value("--secure-clip", "X", "secure aggregation's clipRange (0.5)"),
            io.cgfed.launcher.CliArgs.value("--secure-compression", "N", "compressed secure aggregation at 1/N (off)"),
            io.cgfed.launcher.CliArgs.flag("--error-feedback", "client-side error feedback on every experiment"),
            io.cgfed.launcher.CliArgs.value("--compression", "N", "the main table's budget for the budgeted methods (64)"),
            io.cgfed.launcher.CliArgs.value("--timeout-minutes", "N", "per experiment (30)"),
            io.cgfed.launcher.CliArgs.flag("--keep-running", "leave the platform up at the end"),
            io.cgfed.launcher.CliArgs.value("--report-only", "DIR", "redraw an earlier run's tables and plots from its CSV"),
            io.cgfed.launcher.CliArgs.value("--setup", "tiny|dolly|ceval|mmlu", "the task and its budget (tiny)"),
            io.cgfed.launcher.CliArgs.value("--model-dir", "DIR", "a checkpoint for the other setups"),
            io.cgfed.launcher.CliArgs.value("--dataset-path", "P", "the data set for the other setups"),
            io.cgfed.launcher.CliArgs.value("--eval-path", "P", "a held-out data set"),
            io.cgfed.launcher.CliArgs.value("--train-examples", "N", "training examples"),
            io.cgfed.launcher.CliArgs.value("--eval-examples", "N", "evaluation examples"),
            io.cgfed.launcher.CliArgs.value("--coordinator", "URL", "a running platform's coordinator (key in CGFED_API_KEY)"),
            io.cgfed.launcher.CliArgs.value("--registry", "URL", "and its registry"));

    public static BenchOptions parse(String[] args) {
        BenchOptions o = new BenchOptions();
        io.cgfed.launcher.CliArgs.Parsed parsed = io.cgfed.launcher.CliArgs.parse(args, OPTIONS);
        o.help = parsed.help();
        o.keepRunning = parsed.has("--keep-running");
        o.audit = parsed.has("--audit");
        o.secureAggregation = parsed.has("--secure-aggregation");
        o.errorFeedback = parsed.has("--error-feedback");
        if (parsed.has("--quick")) {
            o.quick = true;
            o.seeds = List.of(1L);
            o.rounds = 3;
            o.ratios = List.of(16, 64, 256);
            o.noiseSigmas = List.of(5e-4, 5e-2, 5e-1);
            o.dpEpsilons = List.of(0.25, 8.0);
            o.ratioMethods = List.of("cgae-ef");
            o.noiseMethods = List.of("cgae");
            o.dpMethods = List.of("cgae");
        }
        for (var given : parsed.given()) {
            String flag = given.getKey();
            String v = given.getValue();
            switch (flag) {
                case "--quick", "--keep-running" -> { }
                case "--audit" -> o.audit = true;
                case "--secure-aggregation" -> o.secureAggregation = true;
                case "--error-feedback" -> o.errorFeedback = true;
                case "--secure-bits" -> o.secureBits = positive(flag, v);
                case "--secure-clip" -> o.secureClip = doubles(flag, v, true).get(0);
                case "--secure-compression" -> o.secureCompression = positive(flag, v);
                case "--lora-variant" -> o.loraVariant = v;
                case "--strategy" -> o.strategy = v;
                case "--compression" -> o.compression = positive(flag, v);
                case "--methods" -> o.methods = methods(v);
                case "--sweeps" -> o.sweeps = sweeps(v);
                case "--seeds" -> o.seeds = longs(flag, v);
                case "--sweep-seeds" -> o.sweepSeeds = longs(flag, v);
                case "--rounds" -> o.rounds = positive(flag, v);
                case "--clients" -> o.clients = positive(flag, v);
                case "--local-steps" -> o.localSteps = positive(flag, v);
                case "--ratios" -> o.ratios = ratios(v);
                case "--noise-sigmas" -> o.noiseSigmas = doubles(flag, v, false);
                case "--dp-epsilons" -> o.dpEpsilons = doubles(flag, v, true);
                case "--dp-clip" -> o.dpClip = doubles(flag, v, true).get(0);
                case "--ratio-methods" -> o.ratioMethods = methods(v);
                case "--noise-methods" -> o.noiseMethods = methods(v);
                case "--dp-methods" -> o.dpMethods = methods(v);
                case "--out" -> o.out = Path.of(v).toAbsolutePath();
                case "--work-dir" -> o.workDir = Path.of(v).toAbsolutePath();
                case "--workers" -> o.workers = positive(flag, v);
                case "--worker-threads" -> o.workerThreads = positive(flag, v);
                case "--attackers" -> o.attackers = Integer.parseInt(v);
                case "--partition" -> o.partition = v;
                case "--attack" -> o.attack = v;
                case "--quarantine-mad-factor" -> o.quarantineMadFactor = doubles(flag, v, true).get(0);
                case "--timeout-minutes" -> o.timeoutMinutes = positive(flag, v);
                case "--setup" -> o.setup = setup(v);
                case "--model-dir" -> o.modelDir = Path.of(v).toAbsolutePath().toString();
                case "--dataset-path" -> o.datasetPath = Path.of(v).toAbsolutePath().toString();
                case "--eval-path" -> o.evalPath = Path.of(v).toAbsolutePath().toString();
                case "--train-examples" -> o.trainExamples = positive(flag, v);
                case "--eval-examples" -> o.evalExamples = positive(flag, v);
                case "--coordinator" -> o.coordinatorUrl = v;
                case "--registry" -> o.registryUrl = v;
                case "--report-only" -> o.reportOnly = Path.of(v).toAbsolutePath();
                default -> throw new IllegalStateException(flag);
            }
        }
        if (!o.setup.equals("tiny") && o.datasetPath == null) {
            throw new IllegalArgumentException("--setup " + o.setup + " needs --dataset-path (and a checkpoint: --model-dir)");
        }
        if ((o.coordinatorUrl == null) != (o.registryUrl == null)) {
            throw new IllegalArgumentException("--coordinator and --registry go together (a running platform)");
        }
        return o;
    }

    /** The seeds of the sweeps: {@code --sweep-seeds}, else the first seed of the main table (the time budget). */
    public List<Long> sweepSeeds() {
        return sweepSeeds != null ? sweepSeeds : List.of(seeds.get(0));
    }

    private static List<String> methods(String v) {
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(BenchMethod.byId(s.strip()).id());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no method named in '" + v + "'");
        }
        return List.copyOf(out);
    }

    private static Set<String> sweeps(String v) {
        Set<String> out = new LinkedHashSet<>();
        if (v.strip().equals("none")) {
            return out;
        }
        for (String s : v.split(",")) {
            String sweep = s.strip().toLowerCase(Locale.ROOT);
            if (!ALL_SWEEPS.contains(sweep)) {
                throw new IllegalArgumentException("unknown sweep '" + sweep + "' (known: ratio, noise, dp, or none)");
            }
            out.add(sweep);
        }
        return out;
    }

    private static String setup(String v) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        if (!List.of("tiny", "dolly", "ceval", "mmlu").contains(s)) {
            throw new IllegalArgumentException("--setup is tiny, dolly, ceval or mmlu, not '" + v + "'");
        }
        return s;
    }

    private static List<Integer> ratios(String v) {
        List<Integer> out = new ArrayList<>();
        for (String s : v.split(",")) {
            int r = positive("--ratios", s.strip());
            if (r < 16) {
                throw new IllegalArgumentException("--ratios: the learned codec needs a compression of at least 16, not " + r);
            }
            out.add(r);
        }
        return List.copyOf(out);
    }

    private static List<Long> longs(String flag, String v) {
        List<Long> out = new ArrayList<>();
        try {
            for (String s : v.split(",")) {
                out.add(Long.parseLong(s.strip()));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs comma-separated integers, got '" + v + "'");
        }
        return List.copyOf(out);
    }

    private static List<Double> doubles(String flag, String v, boolean positive) {
        List<Double> out = new ArrayList<>();
        for (String s : v.split(",")) {
            double d;
            try {
                d = Double.parseDouble(s.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " needs comma-separated numbers, got '" + v + "'");
            }
            if (!Double.isFinite(d) || d < 0 || (positive && d == 0)) {
                throw new IllegalArgumentException(flag + ": " + s.strip() + " is out of range");
            }
            out.add(d);
        }
        return List.copyOf(out);
    }
}
