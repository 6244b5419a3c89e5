package io.cgfed.core.model;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;

/**
 * Hugging Face {@code LlamaForCausalLM} (transformers' modeling_llama.py, eager attention) with a
 * PEFT LoRA adapter, transcribed into plain Java in double precision; no DJL. Step by step as the
 * Python does it: LlamaRMSNorm, LlamaRotaryEmbedding + apply_rotary_pos_emb (rotate_half),
 * repeat_kv, causal mask, softmax, LlamaMLP, lm_head (tied to embed_tokens or not).
 */
public final class ReferenceLlama {
    private final LlamaConfig c;
    private final NamedTensors base;
    private final NamedTensors adapter;
    private final LoraConfig lora;

    private ReferenceLlama(LlamaConfig c, NamedTensors base, NamedTensors adapter, LoraConfig lora) {
        this.c = c;
        this.base = base;
        this.adapter = adapter;
        this.lora = lora;
    }

    /** logits[b][s][vocab] for token ids[b][s]; adapter and lora may be null (no LoRA). */
    public static double[][][] logits(LlamaConfig c, NamedTensors base, NamedTensors adapter, LoraConfig lora,
                                      long[][] ids) {
        ReferenceLlama m = new ReferenceLlama(c, base, adapter, lora);
        double[][][] out = new double[ids.length][][];
        for (int b = 0; b < ids.length; b++) {
            out[b] = m.forward(ids[b]); // no padding, no cross-sequence attention: rows are independent
        }
        return out;
    }

    private double[][] forward(long[] ids) {
        int seq = ids.length;
        FloatTensor embed = base.get("model.embed_tokens.weight");
        double[][] hidden = new double[seq][];
        for (int s = 0; s < seq; s++) {
            hidden[s] = row(embed, (int) ids[s]);
        }
        double[][][] cosSin = rotaryCosSin(seq);
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            String p = "model.layers." + layer + ".";
            double[][] residual = hidden;
            double[][] normed = rmsNorm(hidden, base.get(p + "input_layernorm.weight"));
            hidden = add(residual, attention(normed, layer, cosSin));
            residual = hidden;
            normed = rmsNorm(hidden, base.get(p + "post_attention_layernorm.weight"));
            hidden = add(residual, mlp(normed, layer));
        }
        hidden = rmsNorm(hidden, base.get("model.norm.weight"));
        FloatTensor head = c.tieWordEmbeddings() ? embed : base.get("lm_head.weight");
        double[][] logits = new double[seq][];
        for (int s = 0; s < seq; s++) {
            logits[s] = matVec(head, hidden[s]);
        }
        return logits;
    }

    /** LlamaRMSNorm: x * rsqrt(mean(x^2) + eps) * weight, per position. */
    private double[][] rmsNorm(double[][] x, FloatTensor weight) {
        double[][] out = new double[x.length][x[0].length];
        for (int s = 0; s < x.length; s++) {
            double variance = 0;
            for (double v : x[s]) {
                variance += v * v;
            }
            variance /= x[s].length;
            double rsqrt = 1.0 / Math.sqrt(variance + c.rmsNormEps());
            for (int i = 0; i < x[s].length; i++) {
                out[s][i] = weight.data()[i] * (x[s][i] * rsqrt);
            }
        }
        return out;
    }

    /** LlamaRotaryEmbedding: inv_freq = 1 / theta^(2i/d); emb = cat(freqs, freqs); cos[pos][d], sin[pos][d]. */
    private double[][][] rotaryCosSin(int seq) {
        int dim = c.headDim();
        double[] invFreq = new double[dim / 2];
        for (int i = 0; i < dim / 2; i++) {
            invFreq[i] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / dim);
        }
        double[][] cos = new double[seq][dim];
        double[][] sin = new double[seq][dim];
        for (int pos = 0; pos < seq; pos++) {
            for (int d = 0; d < dim; d++) {
                double freq = pos * invFreq[d % (dim / 2)];
                cos[pos][d] = Math.cos(freq);
                sin[pos][d] = Math.sin(freq);
            }
        }
        return new double[][][] {cos, sin};
    }

    /** apply_rotary_pos_emb for one head vector: x * cos + rotate_half(x) * sin, rotate_half = cat(-x2, x1). */
    private static double[] rope(double[] x, double[] cos, double[] sin) {
        int half = x.length / 2;
        double[] rotated = new double[x.length];
        for (int i = 0; i < half; i++) {
            rotated[i] = -x[i + half];
            rotated[i + half] = x[i];
        }
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * cos[i] + rotated[i] * sin[i];
        }
        return out;
    }

    /** LlamaAttention with eager_attention_forward; states as [head][pos][headDim]. */
    private double[][] attention(double[][] x, int layer, double[][][] cosSin) {
        int seq = x.length;
        int heads = c.numAttentionHeads();
        int kvHeads = c.numKeyValueHeads();
        int hd = c.headDim();
        double[][][] q = splitHeads(projection(x, layer, LoraTarget.Q), heads);
        double[][][] k = splitHeads(projection(x, layer, LoraTarget.K), kvHeads);
        double[][][] v = splitHeads(projection(x, layer, LoraTarget.V), kvHeads);
        for (double[][][] states : new double[][][][] {q, k}) {
            for (double[][] head : states) {
                for (int pos = 0; pos < seq; pos++) {
                    head[pos] = rope(head[pos], cosSin[0][pos], cosSin[1][pos]);
                }
            }
        }
        // repeat_kv: expand (kvHeads, nRep, seq, hd) and reshape to (kvHeads * nRep, seq, hd)
        int nRep = heads / kvHeads;
        double[][][] keys = new double[heads][][];
        double[][][] values = new double[heads][][];
        for (int j = 0; j < kvHeads; j++) {
            for (int r = 0; r < nRep; r++) {
                keys[j * nRep + r] = k[j];
                values[j * nRep + r] = v[j];
            }
        }
        double scaling = Math.pow(hd, -0.5);
        double[][] merged = new double[seq][heads * hd];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < seq; i++) {
                double[] weights = new double[seq];
                for (int j = 0; j < seq; j++) {
                    double score = dot(q[h][i], keys[h][j]) * scaling;
                    weights[j] = j > i ? Double.NEGATIVE_INFINITY : score; // causal mask
                }
                softmaxInPlace(weights);
                for (int j = 0; j < seq; j++) {
                    for (int d = 0; d < hd; d++) {
                        merged[i][h * hd + d] += weights[j] * values[h][j][d];
                    }
                }
            }
        }
        return projection(merged, layer, LoraTarget.O);
    }

    /** LlamaMLP: down_proj(act_fn(gate_proj(x)) * up_proj(x)), act_fn = SiLU. */
    private double[][] mlp(double[][] x, int layer) {
        double[][] gate = projection(x, layer, LoraTarget.GATE);
        double[][] up = projection(x, layer, LoraTarget.UP);
        double[][] act = new double[x.length][gate[0].length];
        for (int s = 0; s < x.length; s++) {
            for (int i = 0; i < act[s].length; i++) {
                double g = gate[s][i];
                act[s][i] = g * (1.0 / (1.0 + Math.exp(-g))) * up[s][i];
            }
        }
        return projection(act, layer, LoraTarget.DOWN);
    }

    /** nn.Linear without bias, wrapped by PEFT's lora.Linear: base(x) + lora_B(lora_A(x)) * alpha / r. */
    private double[][] projection(double[][] x, int layer, LoraTarget target) {
        FloatTensor w = base.get("model.layers." + layer + "." + target.modulePath() + ".weight");
        boolean adapted = lora != null && lora.targets().contains(target);
        double[][] out = new double[x.length][];
        for (int s = 0; s < x.length; s++) {
            out[s] = matVec(w, x[s]);
            if (adapted) {
                double[] low = matVec(adapter.get(LoraAdapter.name(layer, target, 'A')), x[s]);
                double[] delta = matVec(adapter.get(LoraAdapter.name(layer, target, 'B')), low);
                for (int i = 0; i < out[s].length; i++) {
                    out[s][i] += delta[i] * (lora.alpha() / lora.rank());
                }
            }
        }
        return out;
    }

    /** (seq, heads * hd) viewed as (seq, heads, hd) and transposed to (heads, seq, hd). */
    private double[][][] splitHeads(double[][] x, int heads) {
        int hd = c.headDim();
        double[][][] out = new double[heads][x.length][hd];
        for (int s = 0; s < x.length; s++) {
            for (int h = 0; h < heads; h++) {
                System.arraycopy(x[s], h * hd, out[h][s], 0, hd);
            }
        }
        return out;
    }

    private static void softmaxInPlace(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < x.length; i++) {
            x[i] /= sum;
        }
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] out = new double[a.length][a[0].length];
        for (int s = 0; s < a.length; s++) {
            for (int i = 0; i < a[s].length; i++) {
                out[s][i] = a[s][i] + b[s][i];
            }
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** y = W x for W of shape (out, in), as nn.Linear computes x W^T. */
    private static double[] matVec(FloatTensor w, double[] x) {
        int rows = w.dim(0);
        int cols = w.dim(1);
        if (cols != x.length) {
            throw new IllegalArgumentException("weight " + w + " applied to a vector of " + x.length);
        }
        float[] d = w.data();
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int i = 0; i < cols; i++) {
                s += (double) d[r * cols + i] * x[i];
            }
            y[r] = s;
        }
        return y;
    }

    private static double[] row(FloatTensor m, int r) {
        int cols = m.dim(1);
        double[] out = new double[cols];
        for (int i = 0; i < cols; i++) {
            out[i] = m.data()[r * cols + i];
        }
        return out;
    }
}
