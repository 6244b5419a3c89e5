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
import java.util.function.IntConsumer;

/**
 * A LLaMA causal LM on DJL (PyTorch engine) with LoRA adapters. Base weights are frozen; only the
 * LoRA factors require gradients. Weight names are Hugging Face's, so loading a checkpoint is a
 * lookup. The model owns an NDManager; close the model to free its native memory.
 * <p>Longer than 300 lines on purpose: it is the model's one public face (three constructors, loading the
 * weights and the LoRA factors, the forward passes with and without a cache, the training step with and
 * without checkpointing); the arithmetic lives in {@link DecoderStack}, {@link DecoderLayer} and
 * {@link OutputHead}.
 */
public final class LlamaModel implements AutoCloseable {
    private final LlamaConfig config;
    private final LoraConfig lora;
    private final NDManager manager;
    private final Map<String, NDArray> loraParams = new LinkedHashMap<>();
    /** Every LoRA factor, trained or frozen, by PEFT name. */
    private final Map<String, NDArray> factors = new LinkedHashMap<>();
    private final NDArray embed;
    private final OutputHead head;
    private final DecoderStack stack;
    private final DataType baseStorage;
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
            NDArray finalNorm = load(baseWeights, "model.norm.weight", config.hiddenSize());
            NDArray lmHead = config.tieWordEmbeddings()
                    ? embed
                    : loadMatrix(baseWeights, "lm_head.weight", config.vocabSize(), config.hiddenSize());
            NamedTensors adapterLayout = LoraAdapter.layout(config, lora);
            NDArray scaling = NativeArrays.scalar(manager, lora.scaling());
            DecoderLayer.Constants constants = new DecoderLayer.Constants(
                    NativeArrays.scalar(manager, config.rmsNormEps()),
                    NativeArrays.scalar(manager, 1.0 / Math.sqrt(config.headDim())));
            this.head = new OutputHead(finalNorm, lmHead, constants.eps(), config.hiddenSize(), config.vocabSize());
            List<DecoderLayer> layers = new ArrayList<>();
            for (int i = 0; i < config.numHiddenLayers(); i++) {
                String p = "model.layers." + i + ".";
                LoraLinear[] projections = new LoraLinear[LoraTarget.values().length];
                for (LoraTarget t : LoraTarget.values()) {
                    NDArray w = loadMatrix(baseWeights, p + t.modulePath() + ".weight", config.outFeatures(t),
                            config.inFeatures(t));
                    NDArray a = null;
                    NDArray b = null;
                    if (lora.targets().contains(t)) {
                        a = factor(LoraAdapter.name(i, t, 'A'), adapterLayout);
                        b = factor(LoraAdapter.name(i, t, 'B'), adapterLayout);
                    }
                    projections[t.ordinal()] = new LoraLinear(w, a, b, scaling, lora.dropout(), () -> training);
                }
                layers.add(new DecoderLayer(config,
                        load(baseWeights, p + "input_layernorm.weight", config.hiddenSize()),
                        load(baseWeights, p + "post_attention_layernorm.weight", config.hiddenSize()),
                        projections, constants));
            }
            this.stack = new DecoderStack(layers, new Rotary(manager, config.headDim(),
                    RopeScaling.inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling()),
                    config.maxPositionEmbeddings()));
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

    /** The trainable LoRA factors, by PEFT name (without A when it is frozen). */
    public Map<String, NDArray> loraParameters() {
        return loraParams;
    }

    /** Training mode turns LoRA dropout on; off (the default) for evaluation and generation. */
    public void setTraining(boolean training) {
        this.training = training;
    }

    public boolean isTraining() {
        return training;
    }

    /** Sets the LoRA factors from an adapter with exactly this model's layout. */
    public void loadAdapter(NamedTensors adapter) {
        if (!LoraAdapter.hasLayout(adapter, config, lora)) {
            throw new IllegalArgumentException("adapter layout does not match the model's LoRA layout");
        }
        GradMode.off();
        // an indexed put copies into the parameter's own storage (NDArray.set(float[]) would not)
        try (NDManager tmp = manager.newSubManager()) {
            factors.forEach((name, array) -> {
                FloatTensor t = adapter.get(name);
                array.set(new NDIndex("..."), NativeArrays.of(tmp, t.data(), new Shape(NativeArrays.toLongs(t.shape()))));
            });
        }
    }

    /** Copies the current LoRA factors (trained and frozen) out of the engine. */
    public NamedTensors adapter() {
        NamedTensors out = new NamedTensors();
        factors.forEach((name, array) -> out.put(name,
                new FloatTensor(NativeArrays.toInts(array.getShape()), array.toFloatArray())));
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
        return head.logits(lastHidden(tokens, cache));
    }

    /**
     * log p(target) at every position of a (batch, seq) batch, without a graph (evaluation): the
     * vocabulary-sized logits exist for {@value OutputHead#TOKEN_ROWS} positions at a time, not for the
     * whole batch (8 x 256 positions of a 49k vocabulary: 400 MB of float32 logits).
     */
    public NDArray targetLogProbs(NDArray tokens, NDArray targets) {
        return head.targetLogProbs(lastHidden(tokens, null), targets);
    }

    /** Logits (batch, vocab) at one position of each row ({@code positions[b]}), without a graph. */
    public NDArray logitsAt(NDArray tokens, long[] positions) {
        NDArray hidden = lastHidden(tokens, null);
        long batch = hidden.getShape().get(0);
        NDArray idx = NativeArrays.of(tokens.getManager(), positions, new Shape(batch, 1, 1)).repeat(2, config.hiddenSize());
        return head.logits(hidden.gather(idx, 1).reshape(batch, config.hiddenSize()));
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
        NDArray mask = DecoderStack.causalMask(step, seq, past);
        NDArray x = stack.forward(embed(tokens), mask, cache, cache == null && !GradMode.recording());
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
        NDArray mask = DecoderStack.causalMask(step, seq, 0);
        IntConsumer seedDropout = layer -> seedDropout(dropoutSeed, layer);
        GradMode.off();
        List<NDArray> inputs = stack.forwardKeepingInputs(embed(tokens), mask, seedDropout);
        double loss;
        NDArray grad;
        try (NDManager scope = step.newSubManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray in = DecoderStack.local(inputs.get(stack.size()), scope, true);
            NDArray normed = head.norm(in);
            // the output head is frozen: its gradient is written out, so no graph keeps the logits or a
            // widened head (a float32 copy of Llama 3.2's 128k x 2048 head alone is 1 GiB)
            NDArray[] lossAndGrad = head.lossAndGradient(normed.stopGradient(), targets, lossMask, weight);
            loss = lossAndGrad[0].getFloat();
            collector.backward(normed.mul(lossAndGrad[1]).sum());
            grad = in.getGradient();
            grad.attach(step);
        }
        stack.backward(inputs, grad, mask, seedDropout);
        return loss;
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

    /** A LoRA factor: trained (it takes a gradient), or frozen (FFA-LoRA's A), set only by loadAdapter. */
    private NDArray factor(String name, NamedTensors layout) {
        FloatTensor t = layout.get(name);
        NDArray a = NativeArrays.of(manager, t.data(), new Shape(NativeArrays.toLongs(t.shape())));
        a.setName(name);
        factors.put(name, a);
        if (lora.trains(name)) {
            a.setRequiresGradient(true);
            loraParams.put(name, a);
        }
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

    /** Creates a (batch, seq) int64 token array in the given manager. */
    public static NDArray tokens(NDManager step, long[] ids, int batch, int seq) {
        return NativeArrays.of(step, ids, new Shape(batch, seq));
    }

    @Override
    public void close() {
        manager.close();
    }
}
