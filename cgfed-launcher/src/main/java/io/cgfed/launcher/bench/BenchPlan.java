package io.cgfed.launcher.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code ./cgfed bench} submits: every experiment as a spec, from the methods, seeds, budget and
 * sweeps. Every method trains on the same D2 shards: the pool is split 30 % D1 (TGAP, used only by the
 * learned codec) and 70 % D2 for every method, so the rounds see the same examples whatever the codec.
 */
public final class BenchPlan {
    private BenchPlan() {
    }

    /**
     * One experiment of the benchmark.
     *
     * @param group       {@code main}, {@code ratio}, {@code noise} or {@code dp}
     * @param method      the method
     * @param seed        the experiment's seed (adapter initialisation, shuffling, client selection)
     * @param compression the budget (1/compression of fp32) for the learned codec and top-k
     * @param noiseSigma  Gaussian noise on each update before encoding (0: none)
     * @param dpEpsilon   client-side DP epsilon (0: none)
     * @param spec        what is submitted
     */
    public record Run(String group, BenchMethod method, long seed, int compression, double noiseSigma, double dpEpsilon,
                      Map<String, Object> spec) {
        /** What identifies the run's configuration apart from its seed (and its group). */
        public String configKey() {
            return String.format(Locale.ROOT, "%s|c%d|n%s|e%s", method.id(), method.budgeted() ? compression : 0,
                    noiseSigma, dpEpsilon);
        }

        public String label() {
            String l = method.labelAt(compression);
            if (noiseSigma > 0) {
                l += String.format(Locale.ROOT, ", noise sigma %s", num(noiseSigma));
            }
            if (dpEpsilon > 0) {
                l += String.format(Locale.ROOT, ", DP epsilon %s", num(dpEpsilon));
            }
            return l;
        }
    }

    /**
     * The budget: model, data and federation shared by every method.
     *
     * @param trainExamples the pool before D1 is set aside
     * @param localSteps    local steps per client and round (the centralised run does clientsPerRound times as many)
     */
    public record Budget(String setup, String model, long modelSeed, String dataset, long datasetSeed, int trainExamples,
                         int evalExamples, String partition, String datasetPath, String evalPath, double tgapFraction,
                         int clients, double fraction, int rounds, int localSteps, int batchSize, int microBatchSize,
                         double learningRate, int rank, double alpha, List<String> targets, int roundDeadlineSeconds) {
        public int clientsPerRound() {
            return Math.max(1, (int) Math.ceil(fraction * clients - 1e-9));
        }

        /** One line for the report. */
        public String describe() {
            return String.format(Locale.ROOT, "setup %s: model %s, dataset %s (%d pool examples, %.0f %% D1 for TGAP, "
                            + "%d held out, partition %s), %d clients (%d per round), %d rounds, %d local steps of batch %d "
                            + "(micro-batch %d), lr %s, LoRA r=%d alpha %s on %s", setup, model, dataset, trainExamples,
                    tgapFraction * 100, evalExamples, partition, clients, clientsPerRound(), rounds, localSteps, batchSize,
                    microBatchSize, num(learningRate), rank, num(alpha), String.join(",", targets));
        }
    }

    /** The paper's three setups (paper-notes, v3 appendix) and the tiny default. */
    public static Budget budget(BenchOptions o) {
        int clients;
        int rounds;
        double fraction;
        int batch;
        int micro;
        double lr;
        int rank;
        int epochs;
        String dataset;
        String partition = "iid";
        int train;
        int eval;
        switch (o.setup) {
            case "tiny" -> {
                int c = o.clients != null ? o.clients : 3;
                int perClient = 400;
                return new Budget("tiny", o.modelDir != null ? o.modelDir : "tiny-llama", 1, "demo-mc", 7,
                        o.trainExamples != null ? o.trainExamples : (int) Math.ceil(perClient * c / 0.7),
                        o.evalExamples != null ? o.evalExamples : 200, o.partition != null ? o.partition : "iid", null,
                        null, 0.3, c, 1.0,
                        o.rounds != null ? o.rounds : 5, o.localSteps != null ? o.localSteps : 100, 16, 16, 0.01, 8, 16,
                        List.of("q", "k", "v", "o"), 600);
            }
            case "dolly" -> {
                clients = 100; fraction = 0.05; rounds = 20; batch = 32; micro = 16; lr = 1.5e-4; rank = 8; epochs = 1;
                dataset = "instructions"; partition = "dirichlet:0.5"; train = 15_011; eval = 500;
            }
            case "ceval" -> {
                clients = 3; fraction = 1.0; rounds = 5; batch = 24; micro = 8; lr = 2e-4; rank = 16; epochs = 3;
                dataset = "multiple-choice"; train = 260; eval = 1346;
            }
            case "mmlu" -> {
                clients = 3; fraction = 1.0; rounds = 8; batch = 8; micro = 4; lr = 3.5e-4; rank = 8; epochs = 2;
                dataset = "multiple-choice"; train = 285; eval = 1531;
            }
            default -> throw new IllegalArgumentException("unknown setup " + o.setup);
        }
        if (o.clients != null) {
            clients = o.clients;
        }
        if (o.rounds != null) {
            rounds = o.rounds;
        }
        if (o.trainExamples != null) {
            train = o.trainExamples;
        }
        if (o.evalExamples != null) {
            eval = o.evalExamples;
        }
        if (o.partition != null) {
            partition = o.partition;
        }
        double tgap = 0.3;
        // local epochs over the client's D2 shard, as steps of the batch
        int shard = (int) Math.ceil(train * (1 - tgap) / clients);
        int steps = o.localSteps != null ? o.localSteps : Math.max(1, (int) Math.ceil(epochs * (double) shard / batch));
        return new Budget(o.setup, o.modelDir != null ? o.modelDir : "tiny-llama", 0, dataset, 0, train, eval, partition,
                o.datasetPath, o.evalPath, tgap, clients, fraction, rounds, steps, batch, micro, lr, rank, 2.0 * rank,
                List.of("q", "k", "v", "o"), 4 * 3600);
    }

    /** Every experiment, main table first, then the sweeps (a sweep point the main table has is not run twice). */
    public static List<Run> plan(BenchOptions o) {
        Budget b = budget(o);
        List<Run> runs = new ArrayList<>();
        java.util.Set<String> have = new java.util.HashSet<>();
        int c = o.compression;
        for (String id : o.methods) {
            for (long seed : o.seeds) {
                add(runs, have, run("main", BenchMethod.byId(id), seed, c, 0, 0, b, o));
            }
        }
        if (o.sweeps.contains("ratio")) {
            for (String id : o.ratioMethods) {
                for (int ratio : o.ratios) {
                    for (long seed : o.sweepSeeds()) {
                        add(runs, have, run("ratio", BenchMethod.byId(id), seed, ratio, 0, 0, b, o));
                    }
                }
            }
        }
        if (o.sweeps.contains("noise")) {
            for (String id : o.noiseMethods) {
                for (double sigma : o.noiseSigmas) {
                    for (long seed : o.sweepSeeds()) {
                        add(runs, have, run("noise", BenchMethod.byId(id), seed, c, sigma, 0, b, o));
                    }
                }
            }
        }
        if (o.sweeps.contains("dp")) {
            for (String id : o.dpMethods) {
                for (double eps : o.dpEpsilons) {
                    for (long seed : o.sweepSeeds()) {
                        add(runs, have, run("dp", BenchMethod.byId(id), seed, c, 0, eps, b, o));
                    }
                }
            }
        }
        return runs;
    }

    private static void add(List<Run> runs, java.util.Set<String> have, Run r) {
        if (have.add(r.configKey() + "|" + r.seed())) {
            runs.add(r);
        }
    }

    static Run run(String group, BenchMethod m, long seed, int compression, double sigma, double eps, Budget b,
                   BenchOptions o) {
        Map<String, Object> spec = spec(m, seed, compression, sigma, eps, o.dpClip, b);
        overrides(spec, o);
        return new Run(group, m, seed, compression, sigma, eps, spec);
    }

    /** The options that apply to every experiment: the LoRA variant, the strategy, audit mode, secure aggregation. */
    @SuppressWarnings("unchecked")
    static void overrides(Map<String, Object> spec, BenchOptions o) {
        StringBuilder suffix = new StringBuilder();
        if (o.loraVariant != null) {
            Map<String, Object> lora = new LinkedHashMap<>((Map<String, Object>) spec.get("lora"));
            lora.put("variant", o.loraVariant);
            spec.put("lora", lora);
            suffix.append('-').append(o.loraVariant);
        }
        if (o.strategy != null) {
            spec.put("aggregation", Map.of("name", o.strategy));
            suffix.append('-').append(o.strategy);
        }
        if (o.audit) {
            ((Map<String, Object>) spec.get("codec")).put("audit", true);
        }
        if (o.secureAggregation) {
            Map<String, Object> sa = new LinkedHashMap<>(Map.of("enabled", true));
            if (o.secureBits > 0) {
                sa.put("bits", o.secureBits);
            }
            if (o.secureClip > 0) {
                sa.put("clipRange", o.secureClip);
            }
            if (o.secureCompression > 0) {
                sa.put("compression", o.secureCompression);
                suffix.append("-c").append(o.secureCompression);
            }
            spec.put("secureAggregation", sa);
            suffix.append("-secure");
        }
        if (o.errorFeedback) {
            ((Map<String, Object>) spec.get("codec")).put("errorFeedback", true);
            suffix.append("-ef");
        }
        if (!suffix.isEmpty()) {
            String name = (String) spec.get("name");
            int at = name.lastIndexOf("-s");
            spec.put("name", name.substring(0, at) + suffix + name.substring(at));
        }
    }

    /** The experiment spec of one method under the budget. */
    public static Map<String, Object> spec(BenchMethod m, long seed, int compression, double noiseSigma, double dpEpsilon,
                                           double dpClip, Budget b) {
        int clients = m.centralised() ? 1 : b.clients();
        int perRound = m.centralised() ? 1 : b.clientsPerRound();
        Map<String, Object> spec = new LinkedHashMap<>();
        StringBuilder name = new StringBuilder("bench-").append(m.id());
        if (m.budgeted() && compression != BenchMethod.DEFAULT_COMPRESSION) {
            name.append("-c").append(compression);
        }
        if (noiseSigma > 0) {
            name.append("-noise").append(num(noiseSigma));
        }
        if (dpEpsilon > 0) {
            name.append("-eps").append(num(dpEpsilon));
        }
        name.append("-s").append(seed);
        spec.put("name", name.toString());
        spec.put("model", Map.of("name", b.model(), "seed", b.modelSeed()));
        Map<String, Object> dataset = new LinkedHashMap<>();
        dataset.put("name", b.dataset());
        dataset.put("seed", b.datasetSeed());
        dataset.put("trainExamples", b.trainExamples());
        dataset.put("evalExamples", b.evalExamples());
        dataset.put("partition", m.centralised() ? "iid" : b.partition());
        if (b.datasetPath() != null) {
            dataset.put("path", b.datasetPath());
        }
        if (b.evalPath() != null) {
            dataset.put("evalPath", b.evalPath());
        }
        dataset.put("tgapFraction", b.tgapFraction());
        spec.put("dataset", dataset);
        spec.put("clients", clients);
        spec.put("fractionPerRound", m.centralised() ? 1.0 : b.fraction());
        spec.put("minClients", perRound);
        spec.put("rounds", b.rounds());
        Map<String, Object> training = new LinkedHashMap<>();
        // the centralised client processes in a round as many batches as the round's clients together
        training.put("localSteps", m.centralised() ? b.localSteps() * b.clientsPerRound() : b.localSteps());
        training.put("batchSize", b.batchSize());
        training.put("microBatchSize", b.microBatchSize());
        training.put("learningRate", b.learningRate());
        training.put("warmupSteps", 0);
        training.put("weightDecay", 0.0);
        training.put("maxGradNorm", 1.0);
        training.putAll(m.training());
        spec.put("training", training);
        spec.put("lora", Map.of("rank", b.rank(), "alpha", b.alpha(), "targets", b.targets()));
        Map<String, Object> codec = new LinkedHashMap<>();
        codec.put("name", m.codec());
        codec.put("settings", m.settingsAt(compression));
        if (m.errorFeedback()) {
            codec.put("errorFeedback", true);
        }
        if (dpEpsilon > 0) {
            codec.put("privacy", Map.of("epsilon", dpEpsilon, "delta", 1e-5, "clipNorm", dpClip));
        }
        if (noiseSigma > 0) {
            codec.put("updateNoiseSigma", noiseSigma);
        }
        spec.put("codec", codec);
        if (!m.strategy().equals("fedavg")) {
            spec.put("aggregation", Map.of("name", m.strategy(), "settings", m.strategySettings()));
        }
        spec.put("roundDeadlineSeconds", b.roundDeadlineSeconds());
        spec.put("seed", seed);
        return spec;
    }

    /** A number as short as it reads: 5e-05 -> 5e-05, 0.25 -> 0.25, 8.0 -> 8. */
    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return Long.toString((long) v);
        }
        String s = Double.toString(v);
        if (s.contains("E")) {
            String[] p = s.split("E");
            String mant = p[0].endsWith(".0") ? p[0].substring(0, p[0].length() - 2) : p[0];
            return mant + "e" + p[1];
        }
        return s;
    }
}
