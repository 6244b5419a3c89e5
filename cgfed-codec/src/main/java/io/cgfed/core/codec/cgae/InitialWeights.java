package io.cgfed.core.codec.cgae;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/** The untrained, seeded weights of a neural architecture, from its layout and a bound per weight. */
final class InitialWeights {
    private InitialWeights() {
    }

    /** The half-width of the uniform distribution a weight is drawn from. */
    interface Initialiser {
        double bound(String name, int[] shape);
    }

    /** Fresh weights for {@code layout}, uniform in +-bound(name, shape); running variances 1, the rest of BatchNorm 0 or 1. */
    static NamedTensors initialise(Map<String, int[]> layout, long seed, Initialiser bound) {
        Random random = new Random(seed);
        NamedTensors out = new NamedTensors();
        layout.forEach((name, shape) -> {
            float[] data = new float[(int) FloatTensor.numel(shape)];
            if (name.endsWith(".running_var") || name.endsWith("bn.weight") || name.matches(".*bn\\d\\.weight")) {
                Arrays.fill(data, 1f);
            } else if (!name.endsWith(".running_mean") && !name.contains("bn")) {
                double b = bound.bound(name, shape);
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) ((2 * random.nextDouble() - 1) * b);
                }
            }
            out.put(name, new FloatTensor(shape, data));
        });
        return out;
    }

    /** Kaiming-uniform bound for a weight followed by a ReLU-like activation: sqrt(6 / fan_in). */
    static double kaiming(int fanIn) {
        return Math.sqrt(6.0 / fanIn);
    }

    /** PyTorch's default bound for layers without a following activation (and biases): 1 / sqrt(fan_in). */
    static double plain(int fanIn) {
        return 1 / Math.sqrt(fanIn);
    }
}
