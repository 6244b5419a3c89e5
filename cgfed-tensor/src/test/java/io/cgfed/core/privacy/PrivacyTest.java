package io.cgfed.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import org.junit.jupiter.api.Test;

class PrivacyTest {

    @Test
    void theAccountantGrowsWithReleasesShrinksWithNoiseAndInvertsToTheTarget() {
        double one = RdpAccountant.epsilon(1.0, 1, 1e-5);
        double ten = RdpAccountant.epsilon(1.0, 10, 1e-5);
        assertThat(ten).isGreaterThan(one);
        assertThat(RdpAccountant.epsilon(4.0, 10, 1e-5)).isLessThan(ten);
        // a known point: sigma 1, one release, delta 1e-5 -> about 5.3 by RDP (analytic Gaussian: about 4.4)
        assertThat(one).isBetween(4.5, 6.0);
        for (double target : new double[] {0.25, 2, 8}) {
            double sigma = RdpAccountant.sigmaFor(target, 20, 1e-5);
            assertThat(RdpAccountant.epsilon(sigma, 20, 1e-5)).isCloseTo(target, within(target * 1e-3));
        }
        assertThat(RdpAccountant.sigmaFor(0.25, 20, 1e-5)).isGreaterThan(RdpAccountant.sigmaFor(8, 20, 1e-5));
    }

    @Test
    void updatesAreClippedToTheSensitivityAndNoisedWithTheCalibratedSpread() {
        int n = 20000;
        float[] big = new float[n];
        java.util.Arrays.fill(big, 0.1f); // norm 14.1
        NamedTensors update = new NamedTensors().put("w", new FloatTensor(new int[] {n}, big));
        GaussianMechanism clipOnly = new GaussianMechanism(1.0, 1e-9);
        double clippedNorm = norm(clipOnly.apply(update, 1).update());
        assertThat(clippedNorm).isCloseTo(1.0, within(1e-3));

        GaussianMechanism noisy = new GaussianMechanism(1.0, 0.5);
        var r = noisy.apply(update, 2);
        assertThat(r.originalNorm()).isCloseTo(Math.sqrt(n * 0.01), within(1e-2));
        float[] y = r.update().flatten();
        double mean = 0;
        for (float v : y) {
            mean += v;
        }
        mean /= n;
        double var = 0;
        for (float v : y) {
            var += (v - mean) * (v - mean);
        }
        assertThat(Math.sqrt(var / n)).isCloseTo(0.5, within(0.02));
        assertThat(noisy.apply(update, 2).update().flatten()).containsExactly(y);
    }

    private static double norm(NamedTensors t) {
        double s = 0;
        for (float v : t.flatten()) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }
}
