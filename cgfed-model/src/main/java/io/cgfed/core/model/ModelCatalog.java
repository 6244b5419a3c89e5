package io.cgfed.core.model;

import io.cgfed.core.model.hf.HfCheckpoint;
import io.cgfed.core.tensor.NamedTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Built-in models a test or the demo can run without any download. A real checkpoint directory
 * takes the place of these for real work: {@link #resolve} takes either a built-in name or the
 * absolute path of a Hugging Face checkpoint directory. {@link #config}, {@link #baseWeights} and
 * {@link #exists} know the built-in names only.
 */
public final class ModelCatalog {
    /** Byte-level vocabulary: 256 bytes plus BOS, EOS and PAD. */
    public static final int BYTE_VOCAB = 259;

    private static final Map<String, LlamaConfig> MODELS = Map.of(
            // 2 layers, GQA (4 query heads over 2 key/value heads): about 0.1M parameters
            "tiny-llama", new LlamaConfig(BYTE_VOCAB, 64, 128, 2, 4, 2, 1e-6, 10000.0, 64, false),
            // a still smaller one for unit tests
            "micro-llama", new LlamaConfig(BYTE_VOCAB, 32, 64, 1, 4, 2, 1e-6, 10000.0, 64, false));

    private ModelCatalog() {
    }

    public static LlamaConfig config(String name) {
        LlamaConfig c = MODELS.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown built-in model '" + name + "' (known: " + names() + ")");
        }
        return c;
    }

    /**
     * The frozen base of a built-in model: random, deterministic under the seed. Scales are chosen
     * so that logits have room to move (a 0.02 output head caps every logit margin near 1).
     */
    public static NamedTensors baseWeights(String name, long seed) {
        return BaseWeights.random(config(name), seed, 0.15, 0.25);
    }

    public static boolean exists(String name) {
        return MODELS.containsKey(name);
    }

    public static Set<String> names() {
        return MODELS.keySet();
    }

    /** A model ready to build: its name or path, architecture and where its base weights come from. */
    public record Resolved(String name, LlamaConfig config, WeightSource weights) {
    }

    /**
     * A built-in model (base weights random under the seed) or, for an absolute path of a directory
     * with a {@code config.json}, the Hugging Face checkpoint there (seed unused). Opening a
     * checkpoint reads its config and safetensors headers only; weights are read when a model is
     * built from it.
     */
    public static Resolved resolve(String nameOrPath, long seed) {
        if (exists(nameOrPath)) {
            return new Resolved(nameOrPath, config(nameOrPath), WeightSource.of(baseWeights(nameOrPath, seed)));
        }
        if (!isCheckpointPath(nameOrPath)) {
            throw new IllegalArgumentException("unknown model '" + nameOrPath + "': neither a built-in model (known: "
                    + names() + ") nor the absolute path of a Hugging Face checkpoint directory with a config.json");
        }
        try {
            HfCheckpoint checkpoint = HfCheckpoint.open(Path.of(nameOrPath));
            return new Resolved(nameOrPath, checkpoint.config(), checkpoint);
        } catch (IOException e) {
            throw new UncheckedIOException("reading checkpoint " + nameOrPath + ": " + e.getMessage(), e);
        }
    }

    /**
     * The tokenizer that goes with a model: bytes for the built-in ones, the checkpoint's own
     * {@code tokenizer.json} for a checkpoint directory.
     */
    public static io.cgfed.core.text.TextTokenizer tokenizer(String nameOrPath) {
        if (exists(nameOrPath)) {
            return new io.cgfed.core.text.ByteTokenizer();
        }
        try {
            return io.cgfed.core.text.HfTokenizer.open(Path.of(nameOrPath));
        } catch (IOException e) {
            throw new UncheckedIOException("model " + nameOrPath + ": " + e.getMessage(), e);
        }
    }

    /** Whether the name is the absolute path of a directory with a config.json. */
    public static boolean isCheckpointPath(String nameOrPath) {
        try {
            Path p = Path.of(nameOrPath);
            return p.isAbsolute() && HfCheckpoint.isCheckpoint(p);
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
