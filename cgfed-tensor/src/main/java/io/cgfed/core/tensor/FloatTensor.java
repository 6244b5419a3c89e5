package io.cgfed.core.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major order. Plain Java on purpose: the coordinator and the
 * codec-service handle adapters and updates without loading a native deep-learning engine.
 */
public final class FloatTensor {
    private final int[] shape;
    private final float[] data;

    public FloatTensor(int[] shape, float[] data) {
        long n = numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + data.length);
        }
        this.shape = shape.clone();
        this.data = data;
    }

    public static FloatTensor zeros(int... shape) {
        long n = numel(shape);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        }
        return new FloatTensor(shape, new float[(int) n]);
    }

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i];
    }

    /** The backing array (not a copy): callers that mutate it own the tensor. */
    public float[] data() {
        return data;
    }

    public int size() {
        return data.length;
    }

    public FloatTensor copy() {
        return new FloatTensor(shape, data.clone());
    }

    public boolean sameShape(FloatTensor other) {
        return Arrays.equals(shape, other.shape);
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
