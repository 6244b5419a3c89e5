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

    public static boolean exists(String name) {
        return FACTORIES.containsKey(name);
    }

    public static Set<String> names() {
        return FACTORIES.keySet();
    }
}
