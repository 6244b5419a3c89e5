package io.cgfed.core.aggregation;

import io.cgfed.core.util.Settings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;

/**
 * The strategy registry, like the codecs': every strategy is one {@link StrategyType} line in {@link #TYPES};
 * the spec check, the catalogue ({@code GET /api/v1/strategies}), the coordinator and the codec-service ask
 * this class. Settings are the spec's free-form {@code aggregation.settings}; an unknown setting, a value out
 * of range, or a quorum too small for the rule is an {@link IllegalArgumentException} naming it.
 */
public final class Strategies {
    public static final String DEFAULT = "fedavg";
    /** The LoRA-aware strategy: factors the mean weight change back to rank r. */
    public static final String LORA_SVD = "lora-svd";

    /**
     * One strategy: its name in specs; what it does; its settings with their defaults and bounds; how to build
     * it from settings; the fewest updates a round must have for the rule to do what it promises.
     */
    public record StrategyType(String name, String summary, Map<String, Object> defaults, Map<String, String> bounds,
                               Function<Settings, Strategy> factory, ToIntFunction<Settings> minUpdates) {
        public StrategyType {
            defaults = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(defaults));
            bounds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(bounds));
        }
    }

    private static final String LR = "serverLearningRate";

    private static Map<String, Object> adaptiveDefaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put(LR, 0.1);
        d.put("beta1", 0.9);
        d.put("beta2", 0.99);
        d.put("tau", 1e-3);
        return d;
    }

    private static Map<String, String> adaptiveBounds() {
        Map<String, String> b = new LinkedHashMap<>();
        b.put(LR, "number in (0, 10]");
        b.put("beta1", "number in [0, 1)");
        b.put("beta2", "number in [0, 1)");
        b.put("tau", "number in (0, 1]");
        return b;
    }

    private static StrategyType adaptive(String name, String kind, String summary) {
        return new StrategyType(name, summary, adaptiveDefaults(), adaptiveBounds(),
                s -> new Strategy(name, AggregationRule.MEAN, ServerOptimizer.adaptive(kind,
                        s.positive(LR, 0.1, 10), s.below("beta1", 0.9, 0, 1), s.below("beta2", 0.99, 0, 1),
                        s.positive("tau", 1e-3, 1))), s -> 1);
    }

    private static final List<StrategyType> TYPES = List.of(
            new StrategyType(DEFAULT, "FedAvg: the sample-weighted mean of the updates, added to the global adapter "
                    + "(streamed)", Map.of(), Map.of(),
                    s -> new Strategy(DEFAULT, AggregationRule.MEAN, ServerOptimizer.PLAIN), s -> 1),
            new StrategyType("fedavgm", "FedAvg with server momentum (Hsu et al. 2019): m = momentum m + mean, "
                    + "global += serverLearningRate m", Map.of(LR, 1.0, "momentum", 0.9),
                    Map.of(LR, "number in (0, 10]", "momentum", "number in [0, 1)"),
                    s -> new Strategy("fedavgm", AggregationRule.MEAN, ServerOptimizer.momentum(
                            s.positive(LR, 1.0, 10), s.below("momentum", 0.9, 0, 1))), s -> 1),
            adaptive("fedadam", "adam", "FedAdam (Reddi et al. 2021): Adam on the server over the mean update"),
            adaptive("fedyogi", "yogi", "FedYogi (Reddi et al. 2021): Yogi's additive second moment on the server"),
            adaptive("fedadagrad", "adagrad", "FedAdagrad (Reddi et al. 2021): Adagrad's summed second moment"),
            new StrategyType("median", "coordinate-wise median of the updates, unweighted (Yin et al. 2018); "
                    + "holds the round's updates", Map.of(), Map.of(),
                    s -> new Strategy("median", CoordinateRules.median(), ServerOptimizer.PLAIN), s -> 1),
            new StrategyType("trimmed-mean", "coordinate-wise mean after dropping the trimFraction smallest and "
                    + "largest values, unweighted (Yin et al. 2018); holds the round's updates",
                    Map.of("trimFraction", 0.1), Map.of("trimFraction", "number in [0, 0.5)"),
                    s -> new Strategy("trimmed-mean", CoordinateRules.trimmedMean(s.below("trimFraction", 0.1, 0, 0.5)),
                            ServerOptimizer.PLAIN), s -> 1),
            new StrategyType("krum", "Krum (Blanchard et al. 2017): the one update closest to its n - f - 2 nearest "
                    + "others; tolerates byzantine = f attackers, needs a quorum of at least 2f + 3; holds the "
                    + "round's updates", Map.of("byzantine", 1), Map.of("byzantine", "integer in [0, 1000]"),
                    s -> new Strategy("krum", new KrumRule("krum", s.integer("byzantine", 1, 0, 1000), 1),
                            ServerOptimizer.PLAIN),
                    s -> KrumRule.minUpdates(s.integer("byzantine", 1, 0, 1000))),
            new StrategyType("multi-krum", "Multi-Krum: the sample-weighted mean of the keep updates of the best Krum "
                    + "scores (keep 0: n - f); tolerates byzantine = f attackers, needs a quorum of at least 2f + 3; "
                    + "holds the round's updates", Map.of("byzantine", 1, "keep", 0),
                    Map.of("byzantine", "integer in [0, 1000]", "keep", "integer in [0, 100000] (0: n - f)"),
                    s -> new Strategy("multi-krum", new KrumRule("multi-krum", s.integer("byzantine", 1, 0, 1000),
                            s.integer("keep", 0, 0, 100_000)), ServerOptimizer.PLAIN),
                    s -> Math.max(KrumRule.minUpdates(s.integer("byzantine", 1, 0, 1000)),
                            s.integer("keep", 0, 0, 100_000))),
            new StrategyType(LORA_SVD, "LoRA-aware: the sample-weighted mean of the clients' weight changes B_i A_i per "
                    + "target, factored back to rank r by a randomised SVD (never materialising out x in); holds the "
                    + "round's updates and needs the global adapter; not with lora.variant ffa (its mean is already "
                    + "exact)", Map.of("oversampling", 8, "powerIterations", 2),
                    Map.of("oversampling", "integer in [0, 256]", "powerIterations", "integer in [0, 10]"),
                    s -> new Strategy(LORA_SVD, new LoraSvdRule(s.integer("oversampling", 8, 0, 256),
                            s.integer("powerIterations", 2, 0, 10)), ServerOptimizer.PLAIN), s -> 1));

    private static final Map<String, StrategyType> BY_NAME = TYPES.stream()
            .collect(Collectors.toMap(StrategyType::name, t -> t, (a, b) -> a, TreeMap::new));

    private Strategies() {
    }

    /**
     * A strategy as the catalogue shows it: its rule and server optimiser, whether the rule streams the
     * round (false: the codec-service holds the round's decoded updates), and the fewest updates a round needs
     * with the default settings.
     */
    public record Description(String name, String summary, Map<String, Object> defaults, Map<String, String> bounds,
                              String rule, String serverOptimizer, boolean streaming, int minUpdatesByDefault) {
    }

    /** Every strategy with its summary, settings and defaults, in catalogue order. */
    public static List<Description> describe() {
        return TYPES.stream().map(t -> {
            Settings none = new Settings("strategy setting", Map.of());
            Strategy s = t.factory().apply(none);
            return new Description(t.name(), t.summary(), t.defaults(), t.bounds(), s.rule().name(),
                    s.optimizer().name(), s.rule().streaming(), t.minUpdates().applyAsInt(none));
        }).toList();
    }

    /** Every strategy, in catalogue order. */
    public static List<StrategyType> all() {
        return TYPES;
    }

    public static Set<String> names() {
        return BY_NAME.keySet();
    }

    public static StrategyType type(String name) {
        StrategyType t = BY_NAME.get(name == null ? DEFAULT : name);
        if (t == null) {
            throw new IllegalArgumentException("unknown strategy '" + name + "' (known: " + String.join(", ", names()) + ")");
        }
        return t;
    }

    /** The strategy a spec names, with its settings checked (unknown setting or a value out of range: refused). */
    public static Strategy create(String name, Map<String, Object> settings) {
        StrategyType t = type(name);
        Settings s = settings(t, settings);
        return t.factory().apply(s);
    }

    /**
     * Checks a spec's strategy against the fewest updates a round of it can close with (its quorum): Krum
     * needs at least 2f + 3. Returns the strategy.
     */
    public static Strategy check(String name, Map<String, Object> settings, int quorum) {
        StrategyType t = type(name);
        Settings s = settings(t, settings);
        Strategy strategy = t.factory().apply(s);
        int needed = t.minUpdates().applyAsInt(s);
        if (quorum < needed) {
            throw new IllegalArgumentException("strategy '" + t.name() + "' needs at least " + needed
                    + " updates a round (" + describeNeed(t, s) + "), but a round may close with " + quorum
                    + " (the quorum: minClients, or every client of the round)");
        }
        return strategy;
    }

    private static String describeNeed(StrategyType t, Settings s) {
        return t.name().contains("krum") ? "n > 2 x byzantine + 2 with byzantine = " + s.integer("byzantine", 1, 0, 1000)
                + (s.integer("keep", 0, 0, 100_000) > 0 ? ", and n >= keep" : "") : "its settings";
    }

    private static Settings settings(StrategyType t, Map<String, Object> settings) {
        Map<String, Object> values = settings == null ? Map.of() : settings;
        for (String key : values.keySet()) {
            if (!t.bounds().containsKey(key)) {
                throw new IllegalArgumentException("unknown setting '" + key + "' for strategy '" + t.name() + "'"
                        + (t.bounds().isEmpty() ? " (it has none)" : " (known: " + String.join(", ", t.bounds().keySet()) + ")"));
            }
        }
        return new Settings("strategy setting", values);
    }
}
