package io.cgfed.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embeddings as Hugging Face's LLaMA applies them: frequencies theta^(-2i/d),
 * the two halves of each head rotated against each other ({@code rotate_half}).
 */
final class Rotary {
    private final NDArray cos; // (maxPos, headDim)
    private final NDArray sin;
    private final int half;

    Rotary(NDManager manager, int headDim, double theta, int maxPositions) {
        this.half = headDim / 2;
        float[] c = new float[maxPositions * headDim];
        float[] s = new float[maxPositions * headDim];
        for (int pos = 0; pos < maxPositions; pos++) {
            for (int i = 0; i < half; i++) {
                double invFreq = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
                double angle = pos * invFreq;
                float cv = (float) Math.cos(angle);
                float sv = (float) Math.sin(angle);
                c[pos * headDim + i] = cv;
                c[pos * headDim + i + half] = cv;
                s[pos * headDim + i] = sv;
                s[pos * headDim + i + half] = sv;
            }
        }
        this.cos = NativeArrays.of(manager, c, new Shape(maxPositions, headDim));
        this.sin = NativeArrays.of(manager, s, new Shape(maxPositions, headDim));
    }

    /** x: (batch, heads, seq, headDim), positions start at {@code offset}. */
    NDArray apply(NDArray x, int offset) {
        long seq = x.getShape().get(2);
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
}
