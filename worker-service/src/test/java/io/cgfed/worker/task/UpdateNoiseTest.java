package io.cgfed.worker.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import org.junit.jupiter.api.Test;

class UpdateNoiseTest {

    private static NamedTensors update() {
        float[] a = new float[20_000];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 7) * 0.001f;
        }
        return new NamedTensors().put("x.lora_A", new FloatTensor(new int[] {100, 200}, a))
                .put("x.lora_B", new FloatTensor(new int[] {200, 10}, new float[2000]));
    }

    @Test
    void addsZeroMeanNoiseOfTheGivenSigmaKeepsShapesAndLeavesTheInputAlone() {
        NamedTensors clean = update();
        NamedTensors noisy = UpdateNoise.add(clean, 0.05, 42);
        assertThat(noisy.names()).containsExactlyElementsOf(clean.names());
        float[] x = clean.flatten();
        float[] y = noisy.flatten();
        assertThat(y).hasSameSizeAs(x);
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < x.length; i++) {
            double d = y[i] - x[i];
            sum += d;
            sq += d * d;
        }
        double mean = sum / x.length;
        double std = Math.sqrt(sq / x.length - mean * mean);
        assertThat(mean).isBetween(-0.002, 0.002);
        assertThat(std).isBetween(0.049, 0.051);
        assertThat(clean.flatten()).isEqualTo(update().flatten());
    }

    @Test
    void isReproducibleUnderItsSeedAndDiffersAcrossSeeds() {
        assertThat(UpdateNoise.add(update(), 0.01, 7).flatten()).isEqualTo(UpdateNoise.add(update(), 0.01, 7).flatten());
        assertThat(UpdateNoise.add(update(), 0.01, 7).flatten()).isNotEqualTo(UpdateNoise.add(update(), 0.01, 8).flatten());
    }

    @Test
    void refusesANegativeOrInfiniteSigma() {
        assertThatThrownBy(() -> UpdateNoise.add(update(), -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UpdateNoise.add(update(), Double.POSITIVE_INFINITY, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
