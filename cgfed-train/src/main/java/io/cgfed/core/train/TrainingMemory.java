package io.cgfed.core.train;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.tensor.FloatTensor;
import java.util.Locale;

/**
 * What one local training holds in memory, estimated from the model's shapes, the adapter and the
 * micro-batch: an upper-leaning estimate for refusing a task that cannot fit, not a measurement.
 * <ul>
 *   <li>{@code base}: the frozen weights, 4 bytes each in float32, 2 in float16;</li>
 *   <li>{@code adapter}: each LoRA parameter 20 bytes (value, gradient, AdamW's two moments, the global
 *       adapter it started from), plus the PyTorch runtime's own ({@value #RUNTIME_BYTES} bytes);</li>
 *   <li>{@code activations}: what one micro-batch keeps for the backward pass, fp32: per token and layer
 *       the residual stream, norms, q, k, v, attention output and the MLP's four intermediate tensors
 *       (7 h + 2 kv + 4 i values), the attention scores and probabilities (2 x heads x seq), and per token
 *       the logits with their softmax and gradient (3 x vocab). With activation checkpointing, each layer's
 *       input (h per token and layer) plus one layer's set. A half-precision base adds the widened float32
 *       copies the backward pass keeps: of one layer and the output head with checkpointing, of all without.</li>
 * </ul>
 * The sequence length is the longest the micro-batch can hold: the coordinator does not know it at submit
 * (the data is at the clients), so it checks {@link #fixedBytes()}; a worker knows its shard and checks
 * {@link #total()} before it trains.
 */
public record TrainingMemory(long baseBytes, long adapterBytes, long activationBytes, int microBatch, int sequence) {
    static final long RUNTIME_BYTES = 256L << 20;

    public static TrainingMemory estimate(LlamaConfig m, LoraConfig lora, int microBatch, int sequence) {
        return estimate(m, lora, microBatch, sequence, 4, false);
    }

    /**
     * baseBytesPerWeight: 4 for a float32 base, 2 for a float16 one. checkpointing: activations are kept
     * per layer (each layer's input) plus one layer's full set and, with a half-precision base, one
     * layer's widened weights (see {@link io.cgfed.core.model.LlamaModel#lossAndGradients}).
     */
    public static TrainingMemory estimate(LlamaConfig m, LoraConfig lora, int microBatch, int sequence,
                                          int baseBytesPerWeight, boolean checkpointing) {
        if (baseBytesPerWeight != 2 && baseBytesPerWeight != 4) {
            throw new IllegalArgumentException("baseBytesPerWeight must be 2 or 4");
        }
        long h = m.hiddenSize();
        long kv = (long) m.numKeyValueHeads() * m.headDim();
        long i = m.intermediateSize();
        long perLayer = h * h * 2 + h * kv * 2 + 3 * h * i + 2 * h;
        long embeddings = (long) m.vocabSize() * h * (m.tieWordEmbeddings() ? 1 : 2);
        long base = baseBytesPerWeight * (m.numHiddenLayers() * perLayer + embeddings + h);
        long loraParams = 0;
        for (int[] shape : LoraAdapter.shapes(m, lora).values()) {
            loraParams += FloatTensor.numel(shape);
        }
        long adapter = 20 * loraParams + RUNTIME_BYTES;
        long tokens = (long) microBatch * sequence;
        long perTokenLayer = 7 * h + 2 * kv + 4 * i + 2L * m.numAttentionHeads() * sequence;
        long activations = checkpointing
                ? 4 * tokens * (m.numHiddenLayers() * h + perTokenLayer + 3L * m.vocabSize())
                        + (baseBytesPerWeight < 4 ? 4 * (perLayer + (long) m.vocabSize() * h) : 0)
                : 4 * tokens * (m.numHiddenLayers() * perTokenLayer + 3L * m.vocabSize())
                        + (baseBytesPerWeight < 4 ? 4 * (m.numHiddenLayers() * perLayer + (long) m.vocabSize() * h) : 0);
        return new TrainingMemory(base, adapter, activations, microBatch, sequence);
    }

    /** What does not depend on the data: the frozen base, the adapter with its optimiser state, the runtime. */
    public long fixedBytes() {
        return baseBytes + adapterBytes;
    }

    public long total() {
        return baseBytes + adapterBytes + activationBytes;
    }

    /** e.g. "1.20 GiB (frozen base 0.90, adapter and optimiser 0.26, activations of 16 x 128 tokens 0.04)". */
    public String describe() {
        return String.format(Locale.ROOT, "%s (frozen base %s, adapter, optimiser and runtime %s, activations of %d x %d tokens %s)",
                gib(total()), gib(baseBytes), gib(adapterBytes), microBatch, sequence, gib(activationBytes));
    }

    /** A size for people: GiB from 1 GiB up, MiB below. */
    public static String gib(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
