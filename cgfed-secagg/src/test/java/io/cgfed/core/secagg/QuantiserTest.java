package io.cgfed.core.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class QuantiserTest {
    @Test
    void theSumOfLevelsDecodesToTheSumOfClippedValuesWithinOneStepAClientAndUnbiased() {
        Quantiser q = new Quantiser(0.5, 16);
        SplittableRandom random = new SplittableRandom(1);
        int clients = 30;
        int n = 5_000;
        float[][] x = new float[clients][n];
        int[] sum = new int[n];
        double[] clear = new double[n];
        for (int c = 0; c < clients; c++) {
            for (int i = 0; i < n; i++) {
                x[c][i] = (float) (random.nextGaussian() * 0.2);
                clear[i] += Math.max(-0.5, Math.min(0.5, x[c][i]));
            }
            int[] levels = q.encode(x[c], random);
            for (int i = 0; i < n; i++) {
                sum[i] += levels[i];
            }
        }
        float[] decoded = q.decodeSum(sum, clients);
        double bias = 0;
        for (int i = 0; i < n; i++) {
            assertThat((double) decoded[i]).isCloseTo(clear[i], within(clients * q.step() + 1e-4));
            bias += decoded[i] - clear[i];
        }
        assertThat(bias / n).as("mean error").isCloseTo(0, within(q.step()));
    }

    @Test
    void aSumThatWouldWrapAndBadSettingsAreRefused() {
        Quantiser q = new Quantiser(1, 24);
        assertThat(q.maxClients()).isEqualTo(256); // 256 x (2^23 - 1) < 2^31
        assertThatThrownBy(() -> q.decodeSum(new int[1], 257)).hasMessageContaining("overflow");
        assertThatThrownBy(() -> new Quantiser(0, 8)).hasMessageContaining("clipRange");
        assertThatThrownBy(() -> new Quantiser(1, 25)).hasMessageContaining("bits");
        assertThatThrownBy(() -> new Quantiser(1, 1)).hasMessageContaining("bits");
        assertThatThrownBy(() -> q.encode(new float[] {Float.NaN}, new SplittableRandom(1))).hasMessageContaining("finite");
    }
}
