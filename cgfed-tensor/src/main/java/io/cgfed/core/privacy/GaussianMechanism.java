package io.cgfed.core.privacy;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.SplittableRandom;

/**
 * Client-side differential privacy for one update: clip it to L2 norm {@code clipNorm} (the
 * sensitivity), then add Gaussian noise of standard deviation {@code sigma x clipNorm} to every value.
 */
public record GaussianMechanism(double clipNorm, double sigma) {
    public GaussianMechanism {
        if (!(clipNorm > 0) || !(sigma > 0)) {
            throw new IllegalArgumentException("clipNorm and sigma must be positive");
        }
    }

    /**
     * A mechanism calibrated so that a client taking part in every one of {@code releases} rounds
     * stays within (epsilon, delta) by the RDP accountant.
     */
    public static GaussianMechanism forBudget(double epsilon, double delta, double clipNorm, int releases) {
        return new GaussianMechanism(clipNorm, RdpAccountant.sigmaFor(epsilon, releases, delta));
    }

    /** The privatised update, and whether the clip bound was hit (its original norm). */
    public Result apply(NamedTensors update, long seed) {
        double norm = update.l2Norm();
        double scale = norm > clipNorm ? clipNorm / norm : 1.0;
        SplittableRandom random = new SplittableRandom(seed);
        double std = sigma * clipNorm;
        NamedTensors out = new NamedTensors();
        update.forEach((name, t) -> {
            float[] x = t.data();
            float[] y = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = (float) (x[i] * scale + std * gaussian(random));
            }
            out.put(name, new FloatTensor(t.shape(), y));
        });
        return new Result(out, norm);
    }

    public record Result(NamedTensors update, double originalNorm) {
    }

    /**
     * The update clipped to {@code clipNorm} without noise: distributed DP under secure aggregation, where each
     * client adds only its share of the noise, as integers after quantisation ({@code DistributedNoise}).
     */
    public Result clipOnly(NamedTensors update) {
        double norm = update.l2Norm();
        return new Result(norm > clipNorm ? update.scaled(clipNorm / norm) : update, norm);
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = Math.max(r.nextDouble(), 1e-300);
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
