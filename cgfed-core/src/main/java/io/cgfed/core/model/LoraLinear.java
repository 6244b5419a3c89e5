package io.cgfed.core.model;

import ai.djl.ndarray.NDArray;

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

    /** scaling: alpha / r as a scalar tensor owned by libtorch (see {@link NativeArrays}). */
    LoraLinear(NDArray weight, NDArray loraA, NDArray loraB, NDArray scaling) {
        this.weight = weight;
        this.loraA = loraA;
        this.loraB = loraB;
        this.scaling = scaling;
    }

    NDArray forward(NDArray x) {
        NDArray y = linear(x, weight);
        if (loraA == null) {
            return y;
        }
        NDArray low = linear(x, loraA);
        return y.add(linear(low, loraB).mul(scaling));
    }

    static NDArray linear(NDArray x, NDArray w) {
        return x.getNDArrayInternal().linear(x, w, null).singletonOrThrow();
    }
}
