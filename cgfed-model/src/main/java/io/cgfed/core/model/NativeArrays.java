package io.cgfed.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Arrays made from Java data with storage that libtorch owns. {@code NDManager.create(...)} hands
 * libtorch a view of a Java direct buffer, and DJL's {@code NDArray.mul(Number)} and its kin make
 * such a scalar, use it and close it at once: an autograd graph that saved it for the backward pass
 * then reads memory the garbage collector may already have freed. Seen here as rare NaNs in
 * training that appeared only after a GC. In every differentiable path, scalars and inputs are
 * therefore clones that libtorch owns, made here.
 */
public final class NativeArrays {
    private NativeArrays() {
    }

    public static NDArray of(NDManager manager, float[] data, Shape shape) {
        try (NDArray view = manager.create(data, shape)) {
            return view.duplicate();
        }
    }

    /** A 0-dimensional float32 tensor owned by libtorch, for broadcasting in graph operations. */
    public static NDArray scalar(NDManager manager, double value) {
        return of(manager, new float[] {(float) value}, new Shape());
    }

    /**
     * From float32 values in a direct buffer in native byte order, starting at position 0 (the view
     * libtorch gets ignores the position). The buffer may be reused once this returns.
     */
    public static NDArray of(NDManager manager, ByteBuffer float32, Shape shape) {
        if (!float32.isDirect() || float32.position() != 0 || float32.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("need a direct native-order buffer at position 0");
        }
        try (NDArray view = manager.create(float32, shape, DataType.FLOAT32)) {
            return view.duplicate();
        }
    }

    public static NDArray of(NDManager manager, long[] data, Shape shape) {
        try (NDArray view = manager.create(data, shape)) {
            return view.duplicate();
        }
    }

    /** A shape as DJL wants it. */
    static long[] toLongs(int[] shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            s[i] = shape[i];
        }
        return s;
    }

    /** A DJL shape as ints (every dimension below 2^31). */
    static int[] toInts(Shape shape) {
        int[] s = new int[shape.dimension()];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.toIntExact(shape.get(i));
        }
        return s;
    }
}
