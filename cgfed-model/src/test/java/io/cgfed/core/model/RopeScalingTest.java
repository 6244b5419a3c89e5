package io.cgfed.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RopeScalingTest {
    /**
     * Llama 3.2 1B's rope_scaling (factor 32, low 1, high 4, original 8192, theta 500000, head 64).
     * Expected values from transformers' _compute_llama3_parameters written out in Python (double):
     * high frequencies kept, low ones divided by 32, the band between smoothed.
     */
    @Test
    void llama3ScalingMatchesTransformersFormula() {
        double[] inv = RopeScaling.inverseFrequencies(64, 500000.0, new RopeScaling(32.0, 1.0, 4.0, 8192));
        assertThat(inv).hasSize(32);
        assertThat(inv[0]).isCloseTo(1.0, within(1e-15));
        assertThat(inv[8]).isCloseTo(0.03760603093086393, within(1e-15)); // wavelength below 2048: kept
        assertThat(inv[16]).isCloseTo(0.00042955679655936815, within(1e-17)); // in the band: smoothed
        assertThat(inv[20]).isCloseTo(8.570255489881478e-06, within(1e-19)); // past 8192: divided by 32
        assertThat(inv[31]).isCloseTo(9.418306725434909e-08, within(1e-21));
        double[] plain = RopeScaling.inverseFrequencies(64, 500000.0, null);
        assertThat(plain[20]).isCloseTo(0.0002742481756762073, within(1e-18));
    }

    @Test
    void nonsenseSettingsAreRefused() {
        assertThatThrownBy(() -> new RopeScaling(0.5, 1, 4, 8192)).hasMessageContaining("factor");
        assertThatThrownBy(() -> new RopeScaling(8, 4, 1, 8192)).hasMessageContaining("low_freq_factor");
        assertThatThrownBy(() -> new RopeScaling(8, 1, 4, 0)).hasMessageContaining("original_max_position_embeddings");
    }
}
