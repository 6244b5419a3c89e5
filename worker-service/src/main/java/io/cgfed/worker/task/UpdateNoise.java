package io.cgfed.worker.task;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.SplittableRandom;

/**
 * The robustness experiment's noise ({@code codec.updateNoiseSigma}): i.i.d. Gaussian noise of a fixed
 * standard deviation added to every value of an update before it is encoded, reproducible under a seed.
 */
final class UpdateNoise {
    private UpdateNoise() {
    }

    static NamedTensors add(NamedTensors update, double sigma, long seed) {
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("noise sigma must be finite and >= 0, got " + sigma);
        }
        SplittableRandom random = new SplittableRandom(seed);
        NamedTensors out = new NamedTensors();
        update.forEach((name, t) -> {
            float[] x = t.data();
            float[] y = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = (float) (x[i] + sigma * gaussian(random));
            }
            out.put(name, new FloatTensor(t.shape(), y));
        });
        return out;
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = Math.max(r.nextDouble(), 1e-300);
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
