package io.cgfed.core.codec.cgae;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.Arrays;
import java.util.Map;

/**
 * Checks the weights read back from a codec file ({@link CodecModel#read}) against the names and
 * shapes the architecture's settings give, before an autoencoder is built on them.
 */
final class SavedWeights {
    private SavedWeights() {
    }

    /**
     * The tensor {@code name} of {@code state}, which must have exactly {@code shape}.
     *
     * @throws IllegalArgumentException when it is missing or misshapen
     */
    static FloatTensor require(NamedTensors state, String name, int... shape) {
        FloatTensor t = state.contains(name) ? state.get(name) : null;
        if (t == null || !Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("codec weights: tensor '" + name + "' must have shape "
                    + Arrays.toString(shape) + (t == null ? ", but it is missing" : ", got "
                    + Arrays.toString(t.shape())));
        }
        return t;
    }

    /**
     * Restores saved weights: exactly the names and shapes of {@code layout}, finite values, copied.
     *
     * @throws IllegalArgumentException naming the first tensor that is missing, misshapen or unexpected
     */
    static NamedTensors restore(NamedTensors state, Map<String, int[]> layout) {
        for (String name : state.names()) {
            if (!layout.containsKey(name)) {
                throw new IllegalArgumentException("codec weights: unexpected tensor '" + name + "'");
            }
        }
        NamedTensors out = new NamedTensors();
        layout.forEach((name, shape) -> {
            FloatTensor t = require(state, name, shape);
            for (float v : t.data()) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("codec weights: tensor '" + name + "' holds a non-finite value");
                }
            }
            out.put(name, new FloatTensor(shape, t.data().clone()));
        });
        return out;
    }
}
