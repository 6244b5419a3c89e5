package io.cgfed.core.codec;

import io.cgfed.core.codec.cgae.CgaeCodec;
import io.cgfed.core.codec.cgae.CgaeSettings;
import io.cgfed.core.codec.rotq.RotqCodec;
import io.cgfed.core.codec.rotq.RotqSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongBiFunction;
import java.util.stream.Collectors;

/**
 * The codec registry: every codec the platform knows is one {@link CodecType} line in {@link #TYPES},
 * and every other place (spec checks, decoders, the catalogue at {@code GET /api/v1/codecs}, the
 * benches) asks this class rather than testing names. Adding a codec is one class and one line here.
 * Settings are the free-form map from the experiment spec's {@code codec.settings}.
 */
public final class Codecs {
    /**
     * One codec: its name in specs and payload headers; what it does; its settings with their defaults and
     * bounds; how to build it from settings (null for a learned codec: its state comes from a trained codec
     * version); how to check settings; whether it has learned state; whether it restores updates exactly;
     * whether its estimate is unbiased for these settings (error feedback is for biased codecs only); and the
     * most body bytes it writes for n values.
     */
    public record CodecType(String name, String summary, Map<String, Object> defaults, Map<String, String> bounds,
                            Function<Map<String, Object>, Codec> factory, Function<Map<String, Object>, ?> validator,
                            boolean learned, boolean lossless, Predicate<Map<String, Object>> unbiased,
                            ToLongBiFunction<Map<String, Object>, Long> bodyBytes) {
        public CodecType {
            defaults = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(defaults));
            bounds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(bounds));
        }
    }

    private static final Predicate<Map<String, Object>> BIASED = s -> false;

    private static final List<CodecType> TYPES = List.of(
            new CodecType(NoneCodec.NAME, "float32, uncompressed: the reference", Map.of(), Map.of(),
                    s -> new NoneCodec(), s -> null, false, true, s -> true, (s, n) -> 4 * n),
            new CodecType(Fp16Codec.NAME, "IEEE half precision: 1/2 of float32", Map.of(), Map.of(),
                    s -> new Fp16Codec(), s -> null, false, false, BIASED, (s, n) -> 2 * n),
            new CodecType(Int8Codec.NAME, "blockwise absmax int8: about 1/4 of float32 plus a float32 scale per block",
                    Map.of("blockSize", 64), Map.of("blockSize", "integer in [1, 1048576]"), Int8Codec::new, Int8Codec::new,
                    false, false, BIASED, (s, n) -> {
                        long b = CodecSettings.integer(s, "blockSize", 64, 1, 1 << 20);
                        return n + 4 * ((n + b - 1) / b) + 4;
                    }),
            new CodecType(TopKCodec.NAME, "the largest magnitudes as u32 index + fp16 value (6 bytes each); pair with "
                    + "error feedback", Map.of("fraction", 0.01), Map.of("fraction", "number in (0, 1]"), TopKCodec::new,
                    TopKCodec::new, false, false, BIASED,
                    (s, n) -> 4 + 6 * Math.max(1, Math.min(n, Math.round(CodecSettings.fraction(s, "fraction", 0.01) * n)))),
            new CodecType(QsgdCodec.NAME, "unbiased stochastic levels of the L2 norm, one byte a value; seed per client "
                    + "and round by default", Map.of("levels", 16), Map.of("levels", "integer in [1, 127]", "seed", "integer"),
                    QsgdCodec::new, QsgdCodec::new, false, false, s -> true, (s, n) -> n + 6),
            new CodecType(RotqCodec.NAME, "rotation quantiser: randomized Hadamard rotation per block (signs from a seed "
                    + "both sides derive from the payload's identity), Lloyd-Max levels on a seeded subset or an "
                    + "entropy-coded deadzone quantiser, one bf16 scale per block; budget in bits per value or as "
                    + "compression; bias mse (for error feedback) or unbiased (without)", RotqSettings.defaults(),
                    RotqSettings.bounds(), RotqCodec::new, RotqSettings::of, false, false, s -> RotqSettings.of(s).unbiased(),
                    (s, n) -> RotqSettings.of(s).budgetBytes(n)),
            new CodecType(CgaeCodec.NAME, "CG-FedLLM's learned codec: tiles of the update through a trained autoencoder "
                    + "(linear PCA per tile position by default, mlp, or the paper's resnet); trained by TGAP before the "
                    + "rounds, optionally adapted during them (FAF); compression = fp32 bytes over body bytes",
                    CgaeSettings.defaults(), CgaeSettings.bounds(), null, CgaeSettings::of, true, false, BIASED,
                    (s, n) -> {
                        CgaeSettings c = CgaeSettings.of(s);
                        long positions = (n + c.tileSize() - 1) / c.tileSize();
                        return 8 + positions * c.budgetBytesPerTile();
                    }));

    private static final Map<String, CodecType> BY_NAME = TYPES.stream()
            .collect(Collectors.toMap(CodecType::name, t -> t, (a, b) -> a, TreeMap::new));

    private Codecs() {
    }

    /** The registry's entry for a codec. */
    public static CodecType type(String name) {
        CodecType t = BY_NAME.get(name);
        if (t == null) {
            throw new IllegalArgumentException("unknown codec '" + name + "' (known: " + names() + ")");
        }
        return t;
    }

    /**
     * Checks a codec's settings as a spec gives them.
     *
     * @throws IllegalArgumentException naming the setting that is wrong
     */
    public static void validate(String name, Map<String, Object> settings) {
        CodecType t = type(name);
        Map<String, Object> given = settings == null ? Map.of() : settings;
        for (String key : given.keySet()) {
            if (!t.bounds().containsKey(key) && !t.defaults().containsKey(key)) {
                throw new IllegalArgumentException("unknown setting '" + key + "' for codec '" + name + "'"
                        + (t.bounds().isEmpty() ? " (it takes none)" : " (known: " + String.join(", ", t.bounds().keySet()) + ")"));
            }
        }
        t.validator().apply(given);
    }

    /** Whether payloads of this codec need a trained codec version to decode. */
    public static boolean learned(String name) {
        CodecType t = BY_NAME.get(name);
        return t != null && t.learned();
    }

    /** The names of the learned codecs. */
    public static Set<String> learnedNames() {
        return TYPES.stream().filter(CodecType::learned).map(CodecType::name).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /** Whether the codec with these settings is an unbiased estimator of the update. */
    public static boolean unbiased(String name, Map<String, Object> settings) {
        return type(name).unbiased().test(settings == null ? Map.of() : settings);
    }

    /**
     * Why error feedback must not be paired with this codec, or null. It adds what a codec lost to the next
     * update: for a biased codec that delivers, over rounds, what one round could not; for a lossy unbiased
     * one it feeds the estimator's noise back in, and it diverged (rotq unbiased with error feedback:
     * eval loss 0.79 to 7.2 in the prototype; docs/benchmarks.md).
     */
    public static String errorFeedbackRefusal(String name, Map<String, Object> settings) {
        CodecType t = type(name);
        if (t.lossless() || !unbiased(name, settings)) {
            return null;
        }
        return "codec '" + name + "' with these settings is unbiased: error feedback would feed its noise back into "
                + "every update and diverges; use it without error feedback, or a biased setting (for rotq: bias mse)";
    }

    /** The most body bytes the codec writes for an update of {@code n} values with these settings. */
    public static long bodyBytes(String name, Map<String, Object> settings, long n) {
        return type(name).bodyBytes().applyAsLong(settings == null ? Map.of() : settings, n);
    }

    public static Codec create(String name, Map<String, Object> settings) {
        CodecType t = type(name);
        if (t.factory() == null) {
            throw new IllegalStateException("codec " + name + " decodes only with a trained codec version (TGAP); "
                    + "resolve it through the codec-service");
        }
        return t.factory().apply(settings == null ? Map.of() : settings);
    }

    /** What a codec does, its settings with their defaults and bounds, for users choosing one. */
    public record Description(String name, String summary, Map<String, Object> defaults, Map<String, String> bounds,
                              boolean learned, boolean lossless, boolean unbiased, long bodyBytesFor7168Values) {
    }

    /** Every codec with its summary and default settings, by name. */
    public static List<Description> describe() {
        return BY_NAME.values().stream().map(t -> new Description(t.name(), t.summary(), t.defaults(), t.bounds(),
                t.learned(), t.lossless(), t.unbiased().test(Map.of()), t.bodyBytes().applyAsLong(Map.of(), 7168L))).toList();
    }

    public static boolean exists(String name) {
        return BY_NAME.containsKey(name);
    }

    public static Set<String> names() {
        return BY_NAME.keySet();
    }
}
