package io.cgfed.launcher.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One method of the benchmark: a codec with its settings, error feedback or not, and whether it is the
 * centralised reference (one client holding all the training data, no compression).
 *
 * @param id            what {@code --methods} names it
 * @param label         what the tables print
 * @param codec         the platform codec
 * @param settings      codec settings (the learned codec's compression is set from the budget separately)
 * @param errorFeedback client-side error feedback
 * @param centralised   one client with all of D2, local steps times the federation's client count
 * @param budget        how the method's bytes follow the budget: not at all, its {@code compression}
 *                      setting, or top-k's matching fraction
 * @param strategy      the federated strategy (the spec's {@code aggregation.name}: fedavg, fedadam, median, ...)
 * @param strategySettings its settings
 * @param training      fields of the spec's {@code training} this method sets (FedProx's {@code proximalMu})
 */
public record BenchMethod(String id, String label, String codec, Map<String, Object> settings, boolean errorFeedback,
                          boolean centralised, Budget budget, String strategy, Map<String, Object> strategySettings,
                          Map<String, Object> training) {
    public BenchMethod {
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        strategySettings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(strategySettings));
        training = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(training));
    }

    BenchMethod(String id, String label, String codec, Map<String, Object> settings, boolean errorFeedback,
                boolean centralised, Budget budget, String strategy, Map<String, Object> strategySettings) {
        this(id, label, codec, settings, errorFeedback, centralised, budget, strategy, strategySettings, Map.of());
    }

    BenchMethod(String id, String label, String codec, Map<String, Object> settings, boolean errorFeedback,
                boolean centralised, Budget budget) {
        this(id, label, codec, settings, errorFeedback, centralised, budget, "fedavg", Map.of());
    }

    /** A row of the default table: a codec under FedAvg, no training variant. */
    public boolean codecRow() {
        return strategy.equals("fedavg") && training.isEmpty();
    }

    /** A strategy over uncompressed (fp32) updates. */
    static BenchMethod strategy(String strategy, String label, Map<String, Object> settings) {
        return new BenchMethod(strategy, label, "none", Map.of(), false, false, Budget.FIXED, strategy, settings);
    }

    /** How a method is sized to a compression. */
    public enum Budget { FIXED, COMPRESSION, TOPK_FRACTION }

    BenchMethod(String id, String label, String codec, Map<String, Object> settings, boolean errorFeedback,
                boolean centralised) {
        this(id, label, codec, settings, errorFeedback, centralised, Budget.FIXED);
    }

    /** The compression every budget-matched method aims at: the learned codec's 1/64 (the paper's 1.56 %). */
    public static final int DEFAULT_COMPRESSION = 64;

    /**
     * The top-k fraction whose body is {@code 1/compression} of the fp32 bytes: top-k sends a u32 index and
     * an fp16 value (6 bytes) per kept value against 4 bytes per value in fp32, so k/n = 4 / (6 x compression).
     */
    public static double topkFraction(int compression) {
        return 4.0 / (6.0 * compression);
    }

    /** The catalogue, in table order. */
    public static List<BenchMethod> all() {
        return List.of(
                new BenchMethod("cent", "Cent (centralised, 1 client, fp32)", "none", Map.of(), false, true),
                new BenchMethod("lora-ft", "LoRA-FT (federated, fp32)", "none", Map.of(), false, false),
                new BenchMethod("fp16", "fp16", "fp16", Map.of(), false, false),
                new BenchMethod("int8", "int8 (block 64)", "int8", Map.of(), false, false),
                new BenchMethod("qsgd", "qsgd (16 levels)", "qsgd", Map.of("levels", 16), false, false),
                new BenchMethod("topk-ef", "topk 1/64 + EF", "topk", Map.of(), true, false, Budget.TOPK_FRACTION),
                // rotq's budget is the whole request, header included: 1/64 on the wire
                new BenchMethod("rotq-ef", "rotq 1/64 + EF", "rotq", Map.of(), true, false, Budget.COMPRESSION),
                new BenchMethod("rotq-entropy-ef", "rotq entropy-coded 1/64 with factors + EF", "rotq", Map.of("quantiser", "entropy"),
                        true, false, Budget.COMPRESSION),
                new BenchMethod("rotq-unbiased", "rotq 1/64 unbiased (no EF)", "rotq", Map.of("bias", "unbiased"), false,
                        false, Budget.COMPRESSION),
                new BenchMethod("cgae", "Compress-FT: cgae 1/64, TGAP, FAF frozen", "cgae", Map.of("adaptEvery", 0), false,
                        false, Budget.COMPRESSION),
                new BenchMethod("cgae-adaptive", "cgae 1/64, FAF adaptive (server refit every round)", "cgae",
                        Map.of("adaptEvery", 1), false, false, Budget.COMPRESSION),
                new BenchMethod("cgae-ef", "cgae 1/64, adaptive, residual 0.75 + EF", "cgae",
                        Map.of("adaptEvery", 1, "residualFraction", 0.75), true, false, Budget.COMPRESSION),
                // strategies (fp32 updates): server optimisers over the mean, and the robust rules
                strategy("fedavgm", "FedAvgM (server momentum 0.9, fp32)", Map.of()),
                strategy("fedadam", "FedAdam (server lr 0.1, fp32)", Map.of()),
                new BenchMethod("fedadam-0.01", "FedAdam (server lr 0.01, fp32)", "none", Map.of(), false, false,
                        Budget.FIXED, "fedadam", Map.of("serverLearningRate", 0.01)),
                new BenchMethod("fedadam-0.3", "FedAdam (server lr 0.3, fp32)", "none", Map.of(), false, false,
                        Budget.FIXED, "fedadam", Map.of("serverLearningRate", 0.3)),
                strategy("fedyogi", "FedYogi (server lr 0.1, fp32)", Map.of()),
                strategy("fedadagrad", "FedAdagrad (server lr 0.1, fp32)", Map.of()),
                strategy("median", "coordinate median (fp32)", Map.of()),
                strategy("trimmed-mean", "trimmed mean 1/3 (fp32)", Map.of("trimFraction", 0.34)),
                strategy("krum", "Krum f = 0 (fp32)", Map.of("byzantine", 0)),
                new BenchMethod("fedprox", "FedProx mu 0.01 (FedAvg, fp32)", "none", Map.of(), false, false, Budget.FIXED,
                        "fedavg", Map.of(), Map.of("proximalMu", 0.01)),
                new BenchMethod("fedprox-0.1", "FedProx mu 0.1 (FedAvg, fp32)", "none", Map.of(), false, false,
                        Budget.FIXED, "fedavg", Map.of(), Map.of("proximalMu", 0.1)),
                // for the Byzantine table: 10 clients, up to 3 attackers
                new BenchMethod("trimmed-mean-0.3", "trimmed mean 0.3 (fp32)", "none", Map.of(), false, false,
                        Budget.FIXED, "trimmed-mean", Map.of("trimFraction", 0.3)),
                new BenchMethod("krum-3", "Krum f = 3 (fp32)", "none", Map.of(), false, false, Budget.FIXED, "krum",
                        Map.of("byzantine", 3)),
                new BenchMethod("multi-krum-3", "Multi-Krum f = 3, keep n - f (fp32)", "none", Map.of(), false, false,
                        Budget.FIXED, "multi-krum", Map.of("byzantine", 3)));
    }

    public static BenchMethod byId(String id) {
        for (BenchMethod m : all()) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + id + "' (known: "
                + String.join(", ", all().stream().map(BenchMethod::id).toList()) + ")");
    }

    /** Whether the budget (compression) applies: rotq, the learned codec and top-k. */
    public boolean budgeted() {
        return budget != Budget.FIXED;
    }

    /** The codec settings at a compression: its compression setting, or top-k's matching fraction. */
    public Map<String, Object> settingsAt(int compression) {
        Map<String, Object> s = new LinkedHashMap<>(settings);
        switch (budget) {
            case COMPRESSION -> s.put("compression", compression);
            case TOPK_FRACTION -> s.put("fraction", topkFraction(compression));
            case FIXED -> { }
        }
        return s;
    }

    /** The label at another compression than 1/64. */
    public String labelAt(int compression) {
        return compression == DEFAULT_COMPRESSION ? label : label.replace("1/64", "1/" + compression);
    }
}
