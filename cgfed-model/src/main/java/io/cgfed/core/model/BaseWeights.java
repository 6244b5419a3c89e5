package io.cgfed.core.model;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.SplittableRandom;

/** Base (frozen) weights of a LLaMA model under Hugging Face names, and their fingerprint. */
public final class BaseWeights {
    private BaseWeights() {
    }

    /**
     * Deterministic random weights for a built-in model: normal(0, initStd) matrices as Hugging Face
     * initialises them, norms at one. Every worker derives the same base from (config, seed).
     */
    public static NamedTensors random(LlamaConfig c, long seed, double initStd) {
        return random(c, seed, initStd, initStd);
    }

    /** As above, with its own standard deviation for the embeddings and the output head. */
    public static NamedTensors random(LlamaConfig c, long seed, double initStd, double embeddingStd) {
        SplittableRandom random = new SplittableRandom(seed);
        NamedTensors w = new NamedTensors();
        w.put("model.embed_tokens.weight", gaussian(random, embeddingStd, c.vocabSize(), c.hiddenSize()));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            w.put(p + "input_layernorm.weight", ones(c.hiddenSize()));
            for (LoraTarget t : LoraTarget.values()) {
                w.put(p + t.modulePath() + ".weight", gaussian(random, initStd, c.outFeatures(t), c.inFeatures(t)));
            }
            w.put(p + "post_attention_layernorm.weight", ones(c.hiddenSize()));
        }
        w.put("model.norm.weight", ones(c.hiddenSize()));
        if (!c.tieWordEmbeddings()) {
            w.put("lm_head.weight", gaussian(random, embeddingStd, c.vocabSize(), c.hiddenSize()));
        }
        return w;
    }

    /** SHA-256 over names, shapes and float32 values: workers prove they hold the same base model. */
    public static String fingerprint(NamedTensors weights) {
        MessageDigest sha = io.cgfed.core.util.Digests.sha256();
        weights.forEach((name, t) -> {
            sha.update(name.getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = ByteBuffer.allocate(4 * t.rank() + 4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (int d : t.shape()) {
                b.putInt(d);
            }
            b.asFloatBuffer().put(t.data());
            sha.update(b.array());
        });
        return io.cgfed.core.util.Digests.hex(sha);
    }

    private static FloatTensor gaussian(SplittableRandom random, double std, int rows, int cols) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i += 2) {
            // Box-Muller: two normals per pair of uniforms
            double u1 = Math.max(random.nextDouble(), 1e-300);
            double u2 = random.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1));
            d[i] = (float) (std * r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < d.length) {
                d[i + 1] = (float) (std * r * Math.sin(2 * Math.PI * u2));
            }
        }
        return new FloatTensor(new int[] {rows, cols}, d);
    }

    private static FloatTensor ones(int n) {
        float[] d = new float[n];
        java.util.Arrays.fill(d, 1f);
        return new FloatTensor(new int[] {n}, d);
    }
}
