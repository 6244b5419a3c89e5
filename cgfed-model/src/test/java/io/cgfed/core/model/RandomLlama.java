package io.cgfed.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

/** A random tiny LLaMA with GQA and a LoRA adapter, and its logits from the DJL model: test fixtures. */
public final class RandomLlama {
    public static final int VOCAB = 50;
    /** 2 layers, hidden 32, 4 query heads over 2 key/value heads, MLP 64, vocab 50. */
    public static final LlamaConfig GQA = new LlamaConfig(VOCAB, 32, 64, 2, 4, 2, 1e-5, 10000.0, 16, false);
    /** Tied embeddings, another rotary base and eps. */
    public static final LlamaConfig TIED = new LlamaConfig(VOCAB, 32, 64, 2, 4, 2, 1e-6, 500000.0, 16, true);
    /** LoRA on attention and MLP projections alike. */
    public static final LoraConfig LORA = new LoraConfig(4, 8,
            List.of(LoraTarget.Q, LoraTarget.V, LoraTarget.O, LoraTarget.GATE, LoraTarget.DOWN));
    /** A batch of 2 sequences of 7 tokens. */
    public static final long[][] TOKENS = {{1, 17, 42, 3, 3, 49, 0}, {48, 5, 23, 31, 8, 2, 11}};

    private RandomLlama() {
    }

    /** Matrices normal(0, 0.2), embeddings and head normal(0, 0.3), norm weights 1 + U(-0.25, 0.25). */
    public static NamedTensors weights(LlamaConfig c, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        NamedTensors w = new NamedTensors();
        w.put("model.embed_tokens.weight", gaussian(random, 0.3, c.vocabSize(), c.hiddenSize()));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            w.put(p + "input_layernorm.weight", norm(random, c.hiddenSize()));
            for (LoraTarget t : LoraTarget.values()) {
                w.put(p + t.modulePath() + ".weight", gaussian(random, 0.2, c.outFeatures(t), c.inFeatures(t)));
            }
            w.put(p + "post_attention_layernorm.weight", norm(random, c.hiddenSize()));
        }
        w.put("model.norm.weight", norm(random, c.hiddenSize()));
        if (!c.tieWordEmbeddings()) {
            w.put("lm_head.weight", gaussian(random, 0.3, c.vocabSize(), c.hiddenSize()));
        }
        return w;
    }

    /** PEFT-initialised A, and B normal(0, 0.1) so that every adapted projection changes the output. */
    public static NamedTensors adapter(LlamaConfig c, long seed) {
        NamedTensors adapter = LoraAdapter.initialise(c, LORA, seed);
        SplittableRandom random = new SplittableRandom(seed + 1);
        adapter.forEach((name, t) -> {
            if (name.contains("lora_B")) {
                float[] d = t.data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (0.1 * random.nextGaussian());
                }
            }
        });
        return adapter;
    }

    /** Every value passed through a rounding (e.g. to bf16 and back), as a checkpoint in that dtype holds it. */
    public static NamedTensors rounded(NamedTensors weights, DoubleUnaryOperator round) {
        NamedTensors out = new NamedTensors();
        weights.forEach((name, t) -> {
            float[] d = t.data().clone();
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) round.applyAsDouble(d[i]);
            }
            out.put(name, new FloatTensor(t.shape(), d));
        });
        return out;
    }

    /** logits[b][s][vocab] of the DJL model over these base weights with the adapter loaded. */
    public static float[][][] logits(LlamaConfig c, WeightSource base, NamedTensors adapter, long[][] ids) {
        return logits(c, base, adapter, ids, ai.djl.ndarray.types.DataType.FLOAT32);
    }

    /** With the frozen base held in {@code storage}. */
    public static float[][][] logits(LlamaConfig c, WeightSource base, NamedTensors adapter, long[][] ids,
                                     ai.djl.ndarray.types.DataType storage) {
        int batch = ids.length;
        int seq = ids[0].length;
        long[] flat = new long[batch * seq];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(ids[b], 0, flat, b * seq, seq);
        }
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, c, base, LORA, storage)) {
            model.loadAdapter(adapter);
            try (NDManager step = manager.newSubManager()) {
                NDArray out = model.forward(LlamaModel.tokens(step, flat, batch, seq));
                if (!out.getShape().equals(new Shape(batch, seq, c.vocabSize()))) {
                    throw new AssertionError("logits of shape " + out.getShape());
                }
                float[] values = out.toFloatArray();
                float[][][] logits = new float[batch][seq][c.vocabSize()];
                for (int b = 0; b < batch; b++) {
                    for (int s = 0; s < seq; s++) {
                        System.arraycopy(values, (b * seq + s) * c.vocabSize(), logits[b][s], 0, c.vocabSize());
                    }
                }
                return logits;
            }
        }
    }

    public static double maxAbsDiff(float[][][] actual, double[][][] expected) {
        double max = 0;
        for (int b = 0; b < expected.length; b++) {
            for (int s = 0; s < expected[b].length; s++) {
                for (int v = 0; v < expected[b][s].length; v++) {
                    max = Math.max(max, Math.abs(actual[b][s][v] - expected[b][s][v]));
                }
            }
        }
        return max;
    }

    /** The largest |logit|: the scale against which a difference is measured. */
    public static double maxAbs(double[][][] values) {
        double max = 0;
        for (double[][] seq : values) {
            for (double[] pos : seq) {
                for (double v : pos) {
                    max = Math.max(max, Math.abs(v));
                }
            }
        }
        return max;
    }

    private static FloatTensor gaussian(SplittableRandom random, double std, int rows, int cols) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (std * random.nextGaussian());
        }
        return new FloatTensor(new int[] {rows, cols}, d);
    }

    private static FloatTensor norm(SplittableRandom random, int n) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = (float) (1 + (random.nextDouble() - 0.5) * 0.5);
        }
        return new FloatTensor(new int[] {n}, d);
    }
}
