package io.cgfed.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

/**
 * A frozen linear projection y = x W^T, plus the LoRA path (x A^T B^T) * alpha / r when adapted.
 * Every operation takes the activation as its receiver, so results live in the activation's
 * manager (per step) and never pile up in the weights' manager.
 */
final class LoraLinear {
    private final NDArray weight;
    private final NDArray loraA;
    private final NDArray loraB;
    private final NDArray scaling;
    private final double dropout;
    private final java.util.function.BooleanSupplier training;

    /**
     * scaling: alpha / r as a scalar tensor owned by libtorch (see {@link NativeArrays}); dropout:
     * PEFT's lora_dropout on the LoRA branch's input, applied only while {@code training} says so.
     */
    LoraLinear(NDArray weight, NDArray loraA, NDArray loraB, NDArray scaling, double dropout,
               java.util.function.BooleanSupplier training) {
        this.weight = weight;
        this.loraA = loraA;
        this.loraB = loraB;
        this.scaling = scaling;
        this.dropout = dropout;
        this.training = training;
    }

    NDArray forward(NDArray x) {
        NDArray y = linear(x, weight);
        if (loraA == null) {
            return y;
        }
        NDArray in = dropout > 0 && training.getAsBoolean()
                ? x.getNDArrayInternal().dropout(x, (float) dropout, true).singletonOrThrow()
                : x;
        NDArray low = linear(in, loraA);
        return y.add(linear(low, loraB).mul(scaling));
    }

    /**
     * y = x w^T. A weight held in another dtype than x (a half-precision base) is widened just before
     * the matmul and its copy's handle closed right after: the autograd graph, if one is recorded,
     * keeps its own reference for the backward pass, and nothing piles up in the model's manager.
     */
    /** {@link #linear} with w widened {@code rows} output rows at a time: for a large half-precision head. */
    static NDArray linearInRowSlices(NDArray x, NDArray w, int rows) {
        long out = w.getShape().get(0);
        if (out <= rows) {
            return linear(x, w);
        }
        ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
        for (long from = 0; from < out; from += rows) {
            try (NDArray slice = w.get(new ai.djl.ndarray.index.NDIndex("{}:{}", from, Math.min(out, from + rows)))) {
                parts.add(linear(x, slice));
            }
        }
        NDArray joined = NDArrays.concat(parts, -1);
        parts.close();
        return joined;
    }

    /**
     * g w for g of shape (..., out) and w (out, in): the gradient of {@code linear(x, w)} with respect
     * to x, without a graph; a half-precision w widened {@code rows} rows at a time.
     */
    static NDArray transposedProduct(NDArray g, NDArray w, int rows) {
        long out = w.getShape().get(0);
        NDArray sum = null;
        for (long from = 0; from < out; from += rows) {
            long to = Math.min(out, from + rows);
            try (NDArray slice = w.get(new ai.djl.ndarray.index.NDIndex("{}:{}", from, to));
                 NDArray part = g.get(new ai.djl.ndarray.index.NDIndex("..., {}:{}", from, to))) {
                NDArray p;
                if (slice.getDataType() == g.getDataType()) {
                    p = part.matMul(slice);
                } else {
                    try (NDArray wide = slice.toType(g.getDataType(), false)) {
                        p = part.matMul(wide);
                    }
                }
                if (sum == null) {
                    sum = p;
                } else {
                    sum.addi(p);
                    p.close();
                }
            }
        }
        return sum;
    }

    static NDArray linear(NDArray x, NDArray w) {
        if (w.getDataType() == x.getDataType()) {
            return x.getNDArrayInternal().linear(x, w, null).singletonOrThrow();
        }
        try (NDArray wide = w.toType(x.getDataType(), false)) {
            return x.getNDArrayInternal().linear(x, wide, null).singletonOrThrow();
        }
    }
}
