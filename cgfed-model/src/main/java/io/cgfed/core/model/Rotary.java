package io.cgfed.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embeddings as Hugging Face's LLaMA applies them: frequencies theta^(-2i/d) (Llama 3
 * scaled where the config says so),
 * the two halves of each head rotated against each other ({@code rotate_half}). The cos/sin tables
 * cover the positions used so far and grow by doubling up to {@code maxPositions}: a 128k-context
 * config does not cost 128k rows until a sequence that long arrives.
 */
final class Rotary {
    private static final int INITIAL_POSITIONS = 256;
    private final NDManager manager;
    private final int headDim;
    private final double[] invFreq;
    private final int maxPositions;
    private final int half;
    private NDArray cos; // (positions, headDim)
    private NDArray sin;
    private int positions;

    Rotary(NDManager manager, int headDim, double theta, int maxPositions) {
        this(manager, headDim, RopeScaling.inverseFrequencies(headDim, theta, null), maxPositions);
    }

    /** invFreq: the headDim / 2 inverse frequencies ({@link RopeScaling#inverseFrequencies}). */
    Rotary(NDManager manager, int headDim, double[] invFreq, int maxPositions) {
        this.manager = manager;
        this.headDim = headDim;
        this.invFreq = invFreq.clone();
        this.maxPositions = maxPositions;
        this.half = headDim / 2;
        grow(Math.min(maxPositions, INITIAL_POSITIONS));
    }

    /** x: (batch, heads, seq, headDim), positions start at {@code offset}. */
    NDArray apply(NDArray x, int offset) {
        long seq = x.getShape().get(2);
        int needed = Math.toIntExact(offset + seq);
        if (needed > positions) {
            grow(Math.min(maxPositions, Math.max(needed, 2 * positions)));
        }
        NDIndex rows = new NDIndex("{}:{}", offset, offset + seq);
        NDArray c = cos.get(rows);
        NDArray s = sin.get(rows);
        try {
            NDArray x1 = x.get("..., :{}", half);
            NDArray x2 = x.get("..., {}:", half);
            NDArray rotated = x2.neg().concat(x1, -1);
            return x.mul(c).add(rotated.mul(s));
        } finally {
            c.close();
            s.close();
        }
    }

    /** Number of positions the tables cover now. */
    int positions() {
        return positions;
    }

    private void grow(int newPositions) {
        float[] c = new float[newPositions * headDim];
        float[] s = new float[newPositions * headDim];
        for (int pos = 0; pos < newPositions; pos++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * invFreq[i];
                float cv = (float) Math.cos(angle);
                float sv = (float) Math.sin(angle);
                c[pos * headDim + i] = cv;
                c[pos * headDim + i + half] = cv;
                s[pos * headDim + i] = sv;
                s[pos * headDim + i + half] = sv;
            }
        }
        if (cos != null) {
            cos.close();
            sin.close();
        }
        cos = NativeArrays.of(manager, c, new Shape(newPositions, headDim));
        sin = NativeArrays.of(manager, s, new Shape(newPositions, headDim));
        positions = newPositions;
    }
}
