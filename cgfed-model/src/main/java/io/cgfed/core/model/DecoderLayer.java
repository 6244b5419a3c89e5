package io.cgfed.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * One LLaMA decoder layer: pre-norm attention with rotary embeddings and grouped-query
 * attention, then a pre-norm SwiGLU MLP, each added to the residual stream.
 */
final class DecoderLayer {
    private final LlamaConfig config;
    private final NDArray inputNorm;
    private final NDArray postAttentionNorm;
    private final LoraLinear q;
    private final LoraLinear k;
    private final LoraLinear v;
    private final LoraLinear o;
    private final LoraLinear gate;
    private final LoraLinear up;
    private final LoraLinear down;
    private final Constants constants;

    /** Scalars every layer uses, as tensors libtorch owns (see {@link NativeArrays}). */
    record Constants(NDArray eps, NDArray attentionScale) {
    }

    DecoderLayer(LlamaConfig config, NDArray inputNorm, NDArray postAttentionNorm, LoraLinear[] projections,
                 Constants constants) {
        this.config = config;
        this.inputNorm = inputNorm;
        this.postAttentionNorm = postAttentionNorm;
        this.q = projections[LoraTarget.Q.ordinal()];
        this.k = projections[LoraTarget.K.ordinal()];
        this.v = projections[LoraTarget.V.ordinal()];
        this.o = projections[LoraTarget.O.ordinal()];
        this.gate = projections[LoraTarget.GATE.ordinal()];
        this.up = projections[LoraTarget.UP.ordinal()];
        this.down = projections[LoraTarget.DOWN.ordinal()];
        this.constants = constants;
    }

    /**
     * x: (batch, seq, hidden); mask: (seq, cached + seq) additive causal mask; cache: null, or the
     * keys and values of earlier positions, which this call extends.
     */
    NDArray forward(NDArray x, Rotary rotary, NDArray mask, KvCache cache, int layer) {
        NDArray h = x.add(attention(rmsNorm(x, inputNorm, constants.eps()), rotary, mask, cache, layer));
        NDArray n = rmsNorm(h, postAttentionNorm, constants.eps());
        NDArray mlp = down.forward(silu(gate.forward(n)).mul(up.forward(n)));
        return h.add(mlp);
    }

    private NDArray attention(NDArray x, Rotary rotary, NDArray mask, KvCache cache, int layer) {
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int headDim = config.headDim();
        NDArray qs = q.forward(x).reshape(batch, seq, heads, headDim).transpose(0, 2, 1, 3);
        NDArray ks = k.forward(x).reshape(batch, seq, kvHeads, headDim).transpose(0, 2, 1, 3);
        NDArray vs = v.forward(x).reshape(batch, seq, kvHeads, headDim).transpose(0, 2, 1, 3);
        int offset = cache == null ? 0 : cache.length();
        qs = rotary.apply(qs, offset);
        ks = rotary.apply(ks, offset);
        if (cache != null) {
            NDArray[] full = cache.append(layer, ks, vs);
            ks = full[0];
            vs = full[1];
        }
        int groups = heads / kvHeads;
        if (groups > 1) {
            // Hugging Face repeat_kv: each key/value head serves `groups` consecutive query heads
            ks = ks.repeat(1, groups);
            vs = vs.repeat(1, groups);
        }
        NDArray scores = qs.matMul(ks.transpose(0, 1, 3, 2)).mul(constants.attentionScale()).add(mask);
        NDArray context = scores.softmax(-1).matMul(vs);
        NDArray merged = context.transpose(0, 2, 1, 3).reshape(batch, seq, (long) heads * headDim);
        return o.forward(merged);
    }

    static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    static NDArray rmsNorm(NDArray x, NDArray weight, NDArray eps) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        return x.div(variance.add(eps).sqrt()).mul(weight);
    }
}
