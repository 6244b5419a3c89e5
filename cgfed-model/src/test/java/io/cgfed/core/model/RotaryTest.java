package io.cgfed.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class RotaryTest {

    @Test
    void tablesGrowOnDemandAndGiveTheSameRotationAsFullTables() {
        try (NDManager m = NDManager.newBaseManager()) {
            Rotary lazy = new Rotary(m, 8, 10000.0, 131072);
            assertThat(lazy.positions()).isEqualTo(256);
            float[] data = new float[1 * 1 * 3 * 8];
            for (int i = 0; i < data.length; i++) {
                data[i] = (i % 5) - 2f;
            }
            NDArray x = NativeArrays.of(m, data, new Shape(1, 1, 3, 8));
            float[] far = lazy.apply(x, 1000).toFloatArray();
            assertThat(lazy.positions()).isEqualTo(1003);
            Rotary full = new Rotary(m, 8, 10000.0, 1003);
            float[] expected = full.apply(x, 1000).toFloatArray();
            assertThat(far).containsExactly(expected);
            // position 1000 of the first row rotates pair (0, 4) by angle 1000
            double angle = 1000;
            assertThat((double) far[0]).isCloseTo(data[0] * Math.cos(angle) - data[4] * Math.sin(angle),
                    org.assertj.core.api.Assertions.within(1e-3));
        }
    }
}
