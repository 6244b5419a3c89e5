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
            QsgdCodec.NAME, QsgdCodec::new,
            io.cgfed.core.codec.rotq.RotqCodec.NAME, io.cgfed.core.codec.rotq.RotqCodec::new,
            io.cgfed.core.codec.cgae.CgaeCodec.NAME, settings -> {
                throw new IllegalStateException("codec cgae decodes only with a trained codec version (TGAP); "
                        + "resolve it through the codec-service");
            }));
    /** Codecs whose encoder and decoder are learned: a payload names the codec version it needs. */
    public static final Set<String> LEARNED = Set.of(io.cgfed.core.codec.cgae.CgaeCodec.NAME);

    private Codecs() {
    }

    /**
     * Checks a codec's settings as a spec gives them.
     *
     * @throws IllegalArgumentException naming the setting that is wrong
     */
    public static void validate(String name, Map<String, Object> settings) {
        if (LEARNED.contains(name)) {
            io.cgfed.core.codec.cgae.CgaeSettings.of(settings);
        } else {
            create(name, settings);
        }
    }

    /** Whether payloads of this codec need a trained codec version to decode. */
    public static boolean learned(String name) {
        return LEARNED.contains(name);
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
                    Map.of("levels", 16)),
            io.cgfed.core.codec.rotq.RotqCodec.NAME, new Description(io.cgfed.core.codec.rotq.RotqCodec.NAME,
                    "rotation quantiser: randomized Hadamard rotation per block (signs from a seed both sides share), "
                            + "Lloyd-Max levels on a seeded subset or an entropy-coded deadzone quantiser, one bf16 scale "
                            + "per block; budget in bits per value or compression; bias mse (with error feedback) or "
                            + "unbiased (without)", io.cgfed.core.codec.rotq.RotqSettings.defaults()),
            io.cgfed.core.codec.cgae.CgaeCodec.NAME, new Description(io.cgfed.core.codec.cgae.CgaeCodec.NAME,
                    "CG-FedLLM's learned codec: tiles of the update through a trained autoencoder (linear PCA per tile "
                            + "position by default, mlp, or the paper's resnet); trained by TGAP before the rounds, "
                            + "optionally adapted during them (FAF); compression = fp32 bytes over body bytes",
                    io.cgfed.core.codec.cgae.CgaeSettings.defaults()));

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
