package io.cgfed.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.Arrays;

/**
 * Where a model's frozen base weights come from, under Hugging Face names: tensors in memory (the
 * built-in models) or a checkpoint directory on disk ({@link io.cgfed.core.model.hf.HfCheckpoint}),
 * read one tensor at a time so that only the engine ever holds the whole model.
 */
public interface WeightSource {
    /** Whether the source has a tensor of this name. */
    boolean contains(String name);

    /**
     * The tensor as a float32 array that libtorch owns (see {@link NativeArrays}), in the given
     * manager. A missing tensor or another shape than expected is an {@link IllegalArgumentException}
     * naming the tensor (and the file it came from, for checkpoints).
     */
    NDArray load(NDManager manager, String name, int... expectedShape);

    /**
     * The tensor held as {@code storage}: FLOAT32 or FLOAT16 (BFLOAT16 arrays abort the JVM inside
     * DJL's libtorch binding, so half precision in the engine is always FLOAT16). This default widens
     * and narrows in the engine; a checkpoint converts as it reads, never holding the fp32 tensor.
     */
    default NDArray load(NDManager manager, String name, DataType storage, int... expectedShape) {
        NDArray a = load(manager, name, expectedShape);
        if (storage == DataType.FLOAT32) {
            return a;
        }
        requireStorage(storage);
        NDArray half = a.toType(storage, false);
        a.close();
        return half;
    }

    /** The dtype the source's tensors are stored in (FLOAT32 for tensors in memory), for "the checkpoint's dtype". */
    default DataType storedAs() {
        return DataType.FLOAT32;
    }

    /** FLOAT32 and FLOAT16 are the dtypes a base can be held in. */
    static void requireStorage(DataType storage) {
        if (storage != DataType.FLOAT32 && storage != DataType.FLOAT16) {
            throw new IllegalArgumentException("base weights can be held as float32 or float16, not " + storage);
        }
    }

    /** Base weights held in memory, as the built-in models make them. */
    static WeightSource of(NamedTensors weights) {
        return new InMemory(weights);
    }

    /** A {@link WeightSource} over tensors in memory. */
    record InMemory(NamedTensors weights) implements WeightSource {
        @Override
        public boolean contains(String name) {
            return weights.contains(name);
        }

        @Override
        public NDArray load(NDManager manager, String name, int... expectedShape) {
            if (!weights.contains(name)) {
                throw new IllegalArgumentException("base weights lack '" + name + "'");
            }
            FloatTensor t = weights.get(name);
            if (!Arrays.equals(t.shape(), expectedShape)) {
                throw new IllegalArgumentException("base weight '" + name + "' has shape "
                        + Arrays.toString(t.shape()) + ", the config needs " + Arrays.toString(expectedShape));
            }
            return NativeArrays.of(manager, t.data(), new Shape(NativeArrays.toLongs(expectedShape)));
        }
    }
}
