package io.cgfed.core.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DistributedNoiseTest {
    @Test
    void theSumOfTheClientsSharesCarriesTheCentralSigma() {
        double sigma = 1.2;
        double clip = 0.1;
        Quantiser q = new Quantiser(0.5, 16);
        int clients = 10;
        int n = 20_000;
        double mu = DistributedNoise.mu(sigma, clip, q.step(), clients);
        int[] sum = new int[n];
        SecureRandom random = new SecureRandom();
        for (int c = 0; c < clients; c++) {
            int[] levels = q.encode(new float[n], new SplittableRandom(c)); // zero updates: only the noise
            DistributedNoise.add(levels, mu, random);
            for (int i = 0; i < n; i++) {
                sum[i] += levels[i];
            }
        }
        float[] decoded = q.decodeSum(sum, clients);
        double mean = 0;
        double square = 0;
        for (float v : decoded) {
            mean += v;
            square += (double) v * v;
        }
        mean /= n;
        double std = Math.sqrt(square / n - mean * mean);
        // the central Gaussian mechanism's noise: sigma x the clip norm
        assertThat(std).isCloseTo(sigma * clip, within(0.03 * sigma * clip));
        assertThat(mean).isCloseTo(0, within(4 * sigma * clip / Math.sqrt(n)));
        assertThat(DistributedNoise.effectiveSigma(sigma, 5, 10)).isCloseTo(sigma / Math.sqrt(2), within(1e-12));
    }

    @Test
    void poissonVariatesHaveTheirMeanAndVarianceAtSmallAndLargeMeans() {
        for (double lambda : new double[] {3.5, 40, 1e6}) {
            SplittableRandom u = new SplittableRandom(7);
            int n = 200_000;
            double sum = 0;
            double square = 0;
            for (int i = 0; i < n; i++) {
                double k = DistributedNoise.poisson(lambda, u);
                sum += k;
                square += k * k;
            }
            double mean = sum / n;
            double variance = square / n - mean * mean;
            assertThat(mean).as("mean at %s", lambda).isCloseTo(lambda, within(5 * Math.sqrt(lambda / n)));
            assertThat(variance / lambda).as("variance at %s", lambda).isCloseTo(1.0, within(0.02));
        }
    }

    @Test
    void aMeanTheSamplerCannotHoldIsRefused() {
        assertThatThrownBy(() -> DistributedNoise.add(new int[1], 2e9, new SecureRandom())).hasMessageContaining("widen");
        assertThatThrownBy(() -> DistributedNoise.add(new int[1], 0, new SecureRandom())).hasMessageContaining("mean");
    }
}
