package io.cgfed.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.engine.Engine;
import ai.djl.training.GradientCollector;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LLaMA causal LM on DJL (PyTorch engine) with LoRA adapters. Base weights are frozen; only the
 * LoRA factors require gradients. Weight names are Hugging Face's, so loading a checkpoint is a
 * lookup. The model owns an NDManager; close the model to free its native memory.
 */
public final class LlamaModel implements AutoCloseable {
    private final LlamaConfig config;
    private final LoraConfig lora;
    private final NDManager manager;
    private final Map<String, NDArray> loraParams = new LinkedHashMap<>();
    private final NDArray embed;
    private final NDArray finalNorm;
    private final NDArray lmHead;
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final Rotary rotary;
    private final DecoderLayer.Constants constants;
    private final DataType baseStorage;
    /** Rows of a half-precision output head widened at a time when no graph is recorded. */
    private static final int HEAD_SLICE_ROWS = 8192;
    /** Positions whose vocabulary-sized logits are computed at a time in the head's loss and its gradient. */
    private static final int HEAD_TOKEN_ROWS = 128;
    private volatile boolean training;

    /** A model over base weights held in memory (the built-in models). */
    public LlamaModel(NDManager parent, LlamaConfig config, NamedTensors baseWeights, LoraConfig lora) {
        this(parent, config, WeightSource.of(baseWeights), lora);
    }

    /**
     * A model whose base weights are read tensor by tensor from a source (e.g. a Hugging Face
     * checkpoint directory) straight into the engine.
     */
    public LlamaModel(NDManager parent, LlamaConfig config, WeightSource baseWeights, LoraConfig lora) {
        this(parent, config, baseWeights, lora, DataType.FLOAT32);
    }

    /**
     * baseStorage: FLOAT32, or FLOAT16 to hold the frozen matrices (projections, embeddings, output
     * head) in half precision; each is widened to float32 just before its matmul and the copy freed
     * right after, so the arithmetic stays float32. Norm weights and the LoRA factors are float32.
     */
    public LlamaModel(NDManager parent, LlamaConfig config, WeightSource baseWeights, LoraConfig lora,
                      DataType baseStorage) {
        WeightSource.requireStorage(baseStorage);
        this.config = config;
        this.baseStorage = baseStorage;
        this.lora = lora;
        this.manager = parent.newSubManager();
        try {
            this.embed = loadMatrix(baseWeights, "model.embed_tokens.weight", config.vocabSize(), config.hiddenSize());
            this.finalNorm = load(baseWeights, "model.norm.weight", config.hiddenSize());
            this.lmHead = config.tieWordEmbeddings()
                    ? embed
                    : loadMatrix(baseWeights, "lm_head.weight", config.vocabSize(), config.hiddenSize());
            NamedTensors adapterLayout = LoraAdapter.layout(config, lora);
            NDArray scaling = NativeArrays.scalar(manager, lora.scaling());
            this.constants = new DecoderLayer.Constants(NativeArrays.scalar(manager, config.rmsNormEps()),
                    NativeArrays.scalar(manager, 1.0 / Math.sqrt(config.headDim())));
            for (int i = 0; i < config.numHiddenLayers(); i++) {
                String p = "model.layers." + i + ".";
                LoraLinear[] projections = new LoraLinear[LoraTarget.values().length];
                for (LoraTarget t : LoraTarget.values()) {
                    NDArray w = loadMatrix(baseWeights, p + t.modulePath() + ".weight", config.outFeatures(t),
                            config.inFeatures(t));
                    NDArray a = null;
                    NDArray b = null;
                    if (lora.targets().contains(t)) {
                        a = trainable(LoraAdapter.name(i, t, 'A'), adapterLayout);
                        b = trainable(LoraAdapter.name(i, t, 'B'), adapterLayout);
                    }
                    projections[t.ordinal()] = new LoraLinear(w, a, b, scaling, lora.dropout(), () -> training);
                }
                layers.add(new DecoderLayer(config,
                        load(baseWeights, p + "input_layernorm.weight", config.hiddenSize()),
                        load(baseWeights, p + "post_attention_layernorm.weight", config.hiddenSize()),
                        projections, constants));
            }
            this.rotary = new Rotary(manager, config.headDim(),
                    RopeScaling.inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling()),
                    config.maxPositionEmbeddings());
        } catch (RuntimeException e) {
            manager.close(); // a checkpoint that fails half-way must not leave the loaded half behind
            throw e;
        }
    }

    public LlamaConfig config() {
        return config;
    }

    public LoraConfig loraConfig() {
        return lora;
    }

    public NDManager manager() {
        return manager;
    }

    /** The dtype the frozen matrices are held in: FLOAT32 or FLOAT16. */
    public DataType baseStorage() {
        return baseStorage;
    }

    /** The trainable LoRA factors, by PEFT name. */
    public Map<String, NDArray> loraParameters() {
        return loraParams;
    }

    /** Sets the LoRA factors from an adapter with exactly this model's layout. */
    /** Training mode turns LoRA dropout on; off (the default) for evaluation and generation. */
    public void setTraining(boolean training) {
        this.training = training;
    }

    public boolean isTraining() {
        return training;
    }

    public void loadAdapter(NamedTensors adapter) {
        if (!LoraAdapter.hasLayout(adapter, config, lora)) {
            throw new IllegalArgumentException("adapter layout does not match the model's LoRA layout");
        }
        GradMode.off();
        // an indexed put copies into the parameter's own storage (NDArray.set(float[]) would not)
        try (NDManager tmp = manager.newSubManager()) {
            loraParams.forEach((name, array) -> {
                FloatTensor t = adapter.get(name);
                array.set(new NDIndex("..."), NativeArrays.of(tmp, t.data(), new Shape(toLongs(t.shape()))));
            });
        }
    }

    /** Copies the current LoRA factors out of the engine. */
    public NamedTensors adapter() {
        NamedTensors out = new NamedTensors();
        loraParams.forEach((name, array) -> out.put(name,
                new FloatTensor(toInts(array.getShape()), array.toFloatArray())));
        return out;
    }

    /**
     * Logits for a batch of token ids. tokens: (batch, seq) int64 in a per-step manager; the result
     * lives in that manager.
     */
    public NDArray forward(NDArray tokens) {
        return forward(tokens, null);
    }

    /**
     * Logits for tokens that follow those in {@code cache} (positions continue from
     * {@code cache.length()}), extending the cache; with a null cache, a whole sequence from position 0.
     */
    public NDArray forward(NDArray tokens, KvCache cache) {
        return head(lastHidden(tokens, cache));
    }

    /**
     * log p(target) at every position of a (batch, seq) batch, without a graph (evaluation): the
     * vocabulary-sized logits exist for {@value #HEAD_TOKEN_ROWS} positions at a time, not for the
     * whole batch (8 x 256 positions of a 49k vocabulary: 400 MB of float32 logits).
     */
    public NDArray targetLogProbs(NDArray tokens, NDArray targets) {
        NDArray hidden = lastHidden(tokens, null);
        long batch = hidden.getShape().get(0);
        long seq = hidden.getShape().get(1);
        NDArray flat = hidden.reshape(batch * seq, config.hiddenSize());
        NDArray flatTargets = targets.reshape(batch * seq);
        ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
        for (long from = 0; from < batch * seq; from += HEAD_TOKEN_ROWS) {
            ai.djl.ndarray.index.NDIndex rows = new ai.djl.ndarray.index.NDIndex("{}:{}", from,
                    Math.min(batch * seq, from + HEAD_TOKEN_ROWS));
            try (NDArray h = flat.get(rows); NDArray t = flatTargets.get(rows); NDArray logits = head(h);
                 NDArray logProbs = logits.logSoftmax(-1)) {
                parts.add(logProbs.gather(t.expandDims(-1), -1).squeeze(-1));
            }
        }
        NDArray joined = ai.djl.ndarray.NDArrays.concat(parts, 0).reshape(batch, seq);
        parts.close();
        return joined;
    }

    /** Logits (batch, vocab) at one position of each row ({@code positions[b]}), without a graph. */
    public NDArray logitsAt(NDArray tokens, long[] positions) {
        NDArray hidden = lastHidden(tokens, null);
        long batch = hidden.getShape().get(0);
        NDArray idx = NativeArrays.of(tokens.getManager(), positions, new Shape(batch, 1, 1)).repeat(2, config.hiddenSize());
        return head(hidden.gather(idx, 1).reshape(batch, config.hiddenSize()));
    }

    /** The last decoder layer's output (batch, seq, hidden), before the final norm. */
    private NDArray lastHidden(NDArray tokens, KvCache cache) {
        int seq = Math.toIntExact(tokens.getShape().get(1));
        int past = cache == null ? 0 : cache.length();
        if (past + seq > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence of " + (past + seq) + " tokens exceeds maxPositionEmbeddings "
                    + config.maxPositionEmbeddings());
        }
        NDManager step = tokens.getManager();
        NDArray x = embed(tokens);
        NDArray mask = causalMask(step, seq, past);
        boolean scoped = cache == null && !GradMode.recording();
        for (int i = 0; i < layers.size(); i++) {
            if (!scoped) {
                x = layers.get(i).forward(x, rotary, mask, cache, i);
                continue;
            }
            // no graph to keep: each layer's intermediates are freed as soon as its output exists
            try (NDManager scope = step.newSubManager()) {
                NDArray out = layers.get(i).forward(local(x, scope, false), rotary, mask, null, i);
                out.attach(step);
                x.close();
                x = out;
            }
        }
        if (cache != null) {
            cache.advance(seq);
        }
        return x;
    }

    /** (batch, seq) token ids to (batch, seq, hidden) float32 embeddings. */
    private NDArray embed(NDArray tokens) {
        NDArray x = tokens.getNDArrayInternal().embedding(tokens, embed, ai.djl.ndarray.types.SparseFormat.DENSE)
                .singletonOrThrow();
        if (x.getDataType() == DataType.FLOAT32) {
            return x;
        }
        NDArray wide = x.toType(DataType.FLOAT32, false);
        x.close();
        return wide;
    }

    /** The final norm and the output head: (batch, seq, hidden) to logits. */
    private NDArray head(NDArray x) {
        NDArray normed = DecoderLayer.rmsNorm(x, finalNorm, constants.eps());
        if (lmHead.getDataType() != DataType.FLOAT32 && !GradMode.recording()) {
            // a half-precision head widened in slices of the vocabulary, not whole (113 MB for SmolLM's)
            return LoraLinear.linearInRowSlices(normed, lmHead, HEAD_SLICE_ROWS);
        }
        return LoraLinear.linear(normed, lmHead);
    }

    /**
     * Forward and backward of {@code weight x} the masked cross-entropy of one micro-batch: the LoRA
     * factors' gradients accumulate (they are not zeroed here) and the loss comes back. tokens,
     * targets and lossMask as for {@link #maskedCrossEntropy}, all in one per-step manager.
     * <p>With {@code checkpointing}, activations are kept per decoder layer, not per operation: a
     * forward pass without a graph keeps each layer's input only, then layer by layer from the last,
     * the layer's forward is run again with a graph and its backward takes the gradient of the
     * layer's output, giving the gradient of its input for the layer before. Memory holds one
     * layer's graph at a time (and, with a half-precision base, one layer's widened weights); time
     * grows by one more forward pass. The LoRA dropout masks are the same in both passes (the engine's
     * generator is seeded per layer from {@code dropoutSeed}).
     */
    public double lossAndGradients(NDArray tokens, NDArray targets, NDArray lossMask, NDArray weight,
                                   boolean checkpointing, long dropoutSeed) {
        if (!checkpointing) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray l = maskedCrossEntropy(forward(tokens), targets, lossMask).mul(weight);
                collector.backward(l);
                return l.getFloat();
            }
        }
        NDManager step = tokens.getManager();
        int seq = Math.toIntExact(tokens.getShape().get(1));
        if (seq > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence of " + seq + " tokens exceeds maxPositionEmbeddings "
                    + config.maxPositionEmbeddings());
        }
        NDArray mask = causalMask(step, seq, 0);
        List<NDArray> inputs = new ArrayList<>(layers.size() + 1);
        GradMode.off();
        inputs.add(embed(tokens));
        for (int i = 0; i < layers.size(); i++) {
            try (NDManager scope = step.newSubManager()) {
                seedDropout(dropoutSeed, i);
                NDArray out = layers.get(i).forward(local(inputs.get(i), scope, false), rotary, mask, null, i);
                out.attach(step);
                inputs.add(out);
            }
        }
        double loss;
        NDArray grad;
        try (NDManager scope = step.newSubManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray in = local(inputs.get(layers.size()), scope, true);
            NDArray normed = DecoderLayer.rmsNorm(in, finalNorm, constants.eps());
            // the output head is frozen: its gradient is written out, so no graph keeps the logits or a
            // widened head (a float32 copy of Llama 3.2's 128k x 2048 head alone is 1 GiB)
            NDArray[] lossAndGrad = headLossAndGradient(normed.stopGradient(), targets, lossMask, weight);
            loss = lossAndGrad[0].getFloat();
            collector.backward(normed.mul(lossAndGrad[1]).sum());
            grad = in.getGradient();
            grad.attach(step);
        }
        for (int i = layers.size() - 1; i >= 0; i--) {
            try (NDManager scope = step.newSubManager();
                 GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                seedDropout(dropoutSeed, i);
                NDArray in = local(inputs.get(i), scope, i > 0);
                NDArray out = layers.get(i).forward(in, rotary, mask, null, i);
                collector.backward(out.mul(grad).sum());
                NDArray next = i > 0 ? in.getGradient() : null;
                if (next != null) {
                    next.attach(step);
                }
                grad.close();
                grad = next;
                inputs.get(i + 1).close();
            }
        }
        inputs.get(0).close();
        return loss;
    }

    /**
     * The weighted masked cross-entropy of the head's logits for normed hidden states (no graph), and
     * its gradient with respect to them: d/dlogits = (softmax - onehot(target)) x mask x weight /
     * max(1, sum(mask)), then times the head, slice by slice of the vocabulary.
     */
    private NDArray[] headLossAndGradient(NDArray normed, NDArray targets, NDArray lossMask, NDArray weight) {
        long batch = normed.getShape().get(0);
        long seq = normed.getShape().get(1);
        long n = batch * seq;
        NDArray flat = normed.reshape(n, config.hiddenSize());
        NDArray flatTargets = targets.reshape(n);
        NDArray scale = lossMask.mul(weight).div(lossMask.sum().maximum(1f)).reshape(n);
        NDArray loss = null;
        ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
        // HEAD_TOKEN_ROWS positions at a time: the logits, their softmax and gradient are vocabulary-sized
        for (long from = 0; from < n; from += HEAD_TOKEN_ROWS) {
            ai.djl.ndarray.index.NDIndex rows = new ai.djl.ndarray.index.NDIndex("{}:{}", from, Math.min(n, from + HEAD_TOKEN_ROWS));
            try (NDArray h = flat.get(rows); NDArray t = flatTargets.get(rows); NDArray sc = scale.get(rows);
                 NDArray logits = lmHead.getDataType() == DataType.FLOAT32 ? LoraLinear.linear(h, lmHead)
                         : LoraLinear.linearInRowSlices(h, lmHead, HEAD_SLICE_ROWS);
                 NDArray logProbs = logits.logSoftmax(-1);
                 NDArray picked = logProbs.gather(t.expandDims(-1), -1).squeeze(-1);
                 NDArray dLogits = logProbs.exp();
                 NDArray oneHot = t.oneHot(config.vocabSize())) {
                NDArray part = picked.mul(sc).sum().neg();
                if (loss == null) {
                    loss = part;
                } else {
                    loss.addi(part);
                    part.close();
                }
                dLogits.subi(oneHot).muli(sc.expandDims(-1));
                parts.add(LoraLinear.transposedProduct(dLogits, lmHead, HEAD_SLICE_ROWS));
            }
        }
        NDArray dNormed = ai.djl.ndarray.NDArrays.concat(parts, 0).reshape(batch, seq, config.hiddenSize());
        parts.close();
        return new NDArray[] {loss, dNormed};
    }

    /** A copy of x in the scope (so that everything computed from it lives there), a graph leaf if asked. */
    private static NDArray local(NDArray x, NDManager scope, boolean requiresGradient) {
        NDArray copy = x.duplicate();
        copy.attach(scope);
        if (requiresGradient) {
            copy.setRequiresGradient(true);
        }
        return copy;
    }

    private void seedDropout(long seed, int layer) {
        if (lora.dropout() > 0 && training) {
            long s = seed * 0x9E3779B97F4A7C15L + layer;
            Engine.getInstance().setRandomSeed((int) (s ^ (s >>> 32)));
        }
    }

    /**
     * Mean cross-entropy of the targets where lossMask is 1. logits: (batch, seq, vocab);
     * targets: (batch, seq) int64; lossMask: (batch, seq) float32.
     */
    public static NDArray maskedCrossEntropy(NDArray logits, NDArray targets, NDArray lossMask) {
        NDArray logProbs = logits.logSoftmax(-1);
        NDArray picked = logProbs.gather(targets.expandDims(-1), -1).squeeze(-1);
        return picked.mul(lossMask).sum().div(lossMask.sum().maximum(1f)).neg();
    }

    private NDArray trainable(String name, NamedTensors layout) {
        FloatTensor t = layout.get(name);
        NDArray a = NativeArrays.of(manager, t.data(), new Shape(toLongs(t.shape())));
        a.setName(name);
        a.setRequiresGradient(true);
        loraParams.put(name, a);
        return a;
    }

    private NDArray load(WeightSource weights, String name, int... expectedShape) {
        NDArray a = weights.load(manager, name, expectedShape);
        a.setName(name);
        return a;
    }

    /** A frozen matrix, in the base's storage dtype. */
    private NDArray loadMatrix(WeightSource weights, String name, int... expectedShape) {
        NDArray a = weights.load(manager, name, baseStorage, expectedShape);
        a.setName(name);
        return a;
    }

    /** (seq, past + seq): new token i sees every cached position and new positions up to itself. */
    private static NDArray causalMask(NDManager step, int seq, int past) {
        int width = past + seq;
        float[] m = new float[seq * width];
        for (int i = 0; i < seq; i++) {
            for (int j = past + i + 1; j < width; j++) {
                m[i * width + j] = -1e9f;
            }
        }
        return NativeArrays.of(step, m, new Shape(seq, width));
    }

    static long[] toLongs(int[] shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            s[i] = shape[i];
        }
        return s;
    }

    static int[] toInts(Shape shape) {
        int[] s = new int[shape.dimension()];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.toIntExact(shape.get(i));
        }
        return s;
    }

    /** Creates a (batch, seq) int64 token array in the given manager. */
    public static NDArray tokens(NDManager step, long[] ids, int batch, int seq) {
        return NativeArrays.of(step, ids, new Shape(batch, seq));
    }

    @Override
    public void close() {
        manager.close();
    }
}
