package io.cgfed.core.codec;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The codecs this platform knows, by name. Adding a codec is one class and one line here.
 * Settings are the free-form map from the experiment spec's {@code codec.settings}.
 */
public final class Codecs {
    private static final Map<String, Function<Map<String, Object>, Codec>> FACTORIES = new TreeMap<>(Map.of(
            NoneCodec.NAME, settings -> new NoneCodec(),
            Fp16Codec.NAME, settings -> new Fp16Codec(),
            Int8Codec.NAME, Int8Codec::new,
            TopKCodec.NAME, TopKCodec::new,
            QsgdCodec.NAME, QsgdCodec::new));

    private Codecs() {
    }

    public static Codec create(String name, Map<String, Object> settings) {
        var factory = FACTORIES.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("unknown codec '" + name + "' (known: " + names() + ")");
        }
        return factory.apply(settings == null ? Map.of() : settings);
    }

    /** What a codec does and its settings with their defaults, for users choosing one. */
    public record Description(String name, String summary, Map<String, Object> defaults) {
    }

    private static final Map<String, Description> DESCRIPTIONS = Map.of(
            NoneCodec.NAME, new Description(NoneCodec.NAME, "float32, uncompressed: the reference", Map.of()),
            Fp16Codec.NAME, new Description(Fp16Codec.NAME, "IEEE half precision: 1/2 of float32", Map.of()),
            Int8Codec.NAME, new Description(Int8Codec.NAME,
                    "blockwise absmax int8: about 1/4 of float32 plus a float32 scale per block", Map.of("blockSize", 64)),
            TopKCodec.NAME, new Description(TopKCodec.NAME,
                    "the largest magnitudes as u32 index + fp16 value (6 bytes each); pair with error feedback",
                    Map.of("fraction", 0.01)),
            QsgdCodec.NAME, new Description(QsgdCodec.NAME,
                    "unbiased stochastic levels of the L2 norm, one byte a value; seed per client and round by default",
                    Map.of("levels", 16)));

    /** Every codec with its summary and default settings, by name. */
    public static java.util.List<Description> describe() {
        return names().stream().map(n -> DESCRIPTIONS.getOrDefault(n, new Description(n, "", Map.of()))).toList();
    }

    public static boolean exists(String name) {
        return FACTORIES.containsKey(name);
    }

    public static Set<String> names() {
        return FACTORIES.keySet();
    }
}
