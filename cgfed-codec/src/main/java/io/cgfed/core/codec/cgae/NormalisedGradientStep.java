package io.cgfed.core.codec.cgae;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * FAF's server step for the neural architectures ({@link NeuralTileAutoencoder}): averages the clients'
 * gradients {@code g} (each client counts once) and takes one normalised step per tensor,
 * {@code w <- w - learningRate * g / (sqrt(mean(g^2)) + 1e-8)}, so each weight moves by about
 * {@code learningRate} whatever the gradient's scale. Weights that are not trainable stay as they are.
 */
final class NormalisedGradientStep {
    private NormalisedGradientStep() {
    }

    /**
     * The next weights after one step on the mean of {@code contributions}, each holding exactly the
     * trainable weights' names and shapes, finite.
     *
     * @throws IllegalArgumentException naming the first tensor that is unexpected, missing, misshapen or not finite
     */
    static NamedTensors apply(NamedTensors weights, Predicate<String> trainable, String architecture,
                              List<NamedTensors> contributions, double learningRate) {
        Map<String, float[]> mean = new LinkedHashMap<>();
        weights.forEach((name, w) -> {
            if (trainable.test(name)) {
                mean.put(name, new float[w.size()]);
            }
        });
        for (NamedTensors c : contributions) {
            for (String name : c.names()) {
                if (!mean.containsKey(name)) {
                    throw new IllegalArgumentException("a " + architecture + " codec contribution holds '" + name
                            + "', which is not a trainable weight of this codec");
                }
            }
            for (var e : mean.entrySet()) {
                String name = e.getKey();
                int[] shape = weights.get(name).shape();
                if (!c.contains(name) || !Arrays.equals(c.get(name).shape(), shape)) {
                    throw new IllegalArgumentException("a " + architecture + " codec contribution needs '" + name
                            + "' with shape " + Arrays.toString(shape) + (c.contains(name) ? ", got "
                            + Arrays.toString(c.get(name).shape()) : ", but it is missing"));
                }
                float[] g = c.get(name).data();
                float[] acc = e.getValue();
                for (int i = 0; i < g.length; i++) {
                    if (!Float.isFinite(g[i])) {
                        throw new IllegalArgumentException("a codec contribution holds a non-finite value in '" + name + "'");
                    }
                    acc[i] += g[i] / contributions.size();
                }
            }
        }
        NamedTensors next = new NamedTensors();
        weights.forEach((name, w) -> {
            float[] data = w.data().clone();
            float[] g = mean.get(name);
            if (g != null) {
                double sq = 0;
                for (float v : g) {
                    sq += (double) v * v;
                }
                double scale = learningRate / (Math.sqrt(sq / Math.max(1, g.length)) + 1e-8);
                for (int i = 0; i < data.length; i++) {
                    data[i] -= (float) (scale * g[i]);
                }
            }
            next.put(name, new FloatTensor(w.shape(), data));
        });
        return next;
    }
}
