package io.cgfed.core.model;

import java.util.Locale;

/**
 * The architecture of a LLaMA-family causal LM, with Hugging Face's {@code config.json} meaning for
 * each field.
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        double rmsNormEps,
        double ropeTheta,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        RopeScaling ropeScaling) {

    /** Plain rotary embeddings (no rope_scaling). */
    public LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                       int numKeyValueHeads, double rmsNormEps, double ropeTheta, int maxPositionEmbeddings,
                       boolean tieWordEmbeddings) {
        this(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, rmsNormEps,
                ropeTheta, maxPositionEmbeddings, tieWordEmbeddings, null);
    }

    public LlamaConfig {
        require(vocabSize > 0, "vocabSize must be positive");
        require(hiddenSize > 0, "hiddenSize must be positive");
        require(intermediateSize > 0, "intermediateSize must be positive");
        require(numHiddenLayers > 0, "numHiddenLayers must be positive");
        require(numAttentionHeads > 0 && hiddenSize % numAttentionHeads == 0,
                "hiddenSize must be a multiple of numAttentionHeads");
        require(numKeyValueHeads > 0 && numAttentionHeads % numKeyValueHeads == 0,
                "numAttentionHeads must be a multiple of numKeyValueHeads");
        require((hiddenSize / numAttentionHeads) % 2 == 0, "head dimension must be even for rotary embeddings");
        require(rmsNormEps > 0, "rmsNormEps must be positive");
        require(ropeTheta > 0, "ropeTheta must be positive");
        require(maxPositionEmbeddings > 0, "maxPositionEmbeddings must be positive");
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Output width of a projection (q, k, v, o, gate, up, down) of one decoder layer. */
    public int outFeatures(LoraTarget target) {
        return switch (target) {
            case Q -> numAttentionHeads * headDim();
            case K, V -> numKeyValueHeads * headDim();
            case O, DOWN -> hiddenSize;
            case GATE, UP -> intermediateSize;
        };
    }

    /** Input width of a projection of one decoder layer. */
    public int inFeatures(LoraTarget target) {
        return switch (target) {
            case Q, K, V, GATE, UP -> hiddenSize;
            case O -> numAttentionHeads * headDim();
            case DOWN -> intermediateSize;
        };
    }

    public long parameterCount() {
        long perLayer = 2L * hiddenSize;
        for (LoraTarget t : LoraTarget.values()) {
            perLayer += (long) inFeatures(t) * outFeatures(t);
        }
        long embed = (long) vocabSize * hiddenSize;
        return embed + (tieWordEmbeddings ? 0 : embed) + hiddenSize + perLayer * numHiddenLayers;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "LlamaConfig[layers=%d, hidden=%d, heads=%d/%d kv, ffn=%d, vocab=%d]",
                numHiddenLayers, hiddenSize, numAttentionHeads, numKeyValueHeads, intermediateSize, vocabSize);
    }
}
