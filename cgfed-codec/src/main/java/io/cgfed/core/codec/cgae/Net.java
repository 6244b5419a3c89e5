package io.cgfed.core.codec.cgae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;

/**
 * The layers the neural architectures' forward passes are written with ({@link MlpTileAutoencoder},
 * {@link ResNetTileAutoencoder}), for one pass: the weights as arrays, the manager temporaries belong
 * to, and whether BatchNorm normalises with the batch's statistics (and updates its running ones) or
 * uses them. Every operation takes the activation as its receiver, so results live in the pass's manager.
 */
final class Net {
    static final float BN_EPS = 1e-5f;
    /** DJL's convention (PyTorch's momentum 0.1): running = 0.9 running + 0.1 batch. */
    static final float BN_MOMENTUM = 0.9f;

    private final Map<String, NDArray> params;
    private final NDManager step;
    private final boolean training;

    Net(Map<String, NDArray> params, NDManager step, boolean training) {
        this.params = params;
        this.step = step;
        this.training = training;
    }

    NDArray p(String name) {
        NDArray a = params.get(name);
        if (a == null) {
            throw new IllegalStateException("no weight " + name);
        }
        return a;
    }

    /** x W^T (+ b): x {@code [n, in]}, W {@code [out, in]}. */
    NDArray linear(NDArray x, String weight, String bias) {
        return x.getNDArrayInternal().linear(x, p(weight), bias == null ? null : p(bias)).singletonOrThrow();
    }

    /** A 2-D convolution (no dilation, one group); x {@code [n, c, h, w]}, W {@code [out, c, kh, kw]}. */
    NDArray conv(NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
        return x.getNDArrayInternal().convolution(x, weight, bias, new Shape(stride, stride), new Shape(padding, padding),
                new Shape(1, 1), 1).singletonOrThrow();
    }

    NDArray conv(NDArray x, String weight, String bias, int stride, int padding) {
        return conv(x, p(weight), bias == null ? null : p(bias), stride, padding);
    }

    /**
     * PyTorch's {@code ConvTranspose2d(kernel 3, stride 2, padding 1, output_padding 1)} with its
     * weight {@code [in, out, 3, 3]}: doubles height and width. DJL's PyTorch engine has no
     * transposed convolution, so: zeros inserted after every input pixel, then a stride-1
     * convolution with the kernel flipped and its channel axes swapped (the same operation).
     */
    NDArray convTranspose2x(NDArray x, String weight) {
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        NDArray cols = x.expandDims(4);
        cols = cols.concat(cols.zerosLike(), 4).reshape(n, c, h, 2 * w);
        NDArray rows = cols.expandDims(3);
        NDArray up = rows.concat(rows.zerosLike(), 3).reshape(n, c, 2 * h, 2 * w);
        NDArray swapped = p(weight).transpose(1, 0, 2, 3);   // made by the weight: belongs to its manager
        swapped.attach(step);
        NDArray kernel = swapped.flip(2, 3);
        kernel.attach(step);
        return conv(up, kernel, null, 1, 1);
    }

    /** BatchNorm over channel axis 1 with {@code <prefix>.weight, .bias, .running_mean, .running_var}. */
    NDArray batchNorm(NDArray x, String prefix) {
        return x.getNDArrayInternal().batchNorm(x, p(prefix + ".running_mean"), p(prefix + ".running_var"),
                p(prefix + ".weight"), p(prefix + ".bias"), -1, BN_MOMENTUM, BN_EPS, training).singletonOrThrow();
    }

    static NDArray relu(NDArray x) {
        return x.getNDArrayInternal().relu();
    }
}
