package io.cgfed.core.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.aggregation.Aggregator.WeightedUpdate;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import org.junit.jupiter.api.Test;

class FedAvgTest {

    private static NamedTensors update(float[] a, float[] b) {
        return new NamedTensors()
                .put("lora_A", new FloatTensor(new int[] {2, 2}, a))
                .put("lora_B", new FloatTensor(new int[] {2}, b));
    }

    @Test
    void weightsOneAndThreeGiveAQuarterAndThreeQuarters() {
        NamedTensors u1 = update(new float[] {1, 2, 3, 4}, new float[] {-4, 8});
        NamedTensors u2 = update(new float[] {5, 10, -1, 0}, new float[] {4, 0});

        NamedTensors avg = new FedAvg().aggregate(List.of(new WeightedUpdate(u1, 1), new WeightedUpdate(u2, 3)));

        // 0.25 * u1 + 0.75 * u2
        assertThat(avg.names()).containsExactly("lora_A", "lora_B");
        assertThat(avg.get("lora_A").shape()).containsExactly(2, 2);
        assertThat(avg.get("lora_A").data()).containsExactly(4f, 8f, 0f, 1f);
        assertThat(avg.get("lora_B").data()).containsExactly(2f, 2f);
    }

    @Test
    void onlyRelativeWeightsMatter() {
        NamedTensors u1 = update(new float[] {1, 2, 3, 4}, new float[] {-4, 8});
        NamedTensors u2 = update(new float[] {5, 10, -1, 0}, new float[] {4, 0});
        NamedTensors small = new FedAvg().aggregate(List.of(new WeightedUpdate(u1, 1), new WeightedUpdate(u2, 3)));
        NamedTensors large = new FedAvg().aggregate(List.of(new WeightedUpdate(u1, 100), new WeightedUpdate(u2, 300)));
        assertThat(large.flatten()).containsExactly(small.flatten());
    }

    @Test
    void equalWeightsGiveThePlainMeanOfThree() {
        NamedTensors u1 = update(new float[] {3, 0, 0, 0}, new float[] {1, 1});
        NamedTensors u2 = update(new float[] {0, 3, 0, 0}, new float[] {2, 2});
        NamedTensors u3 = update(new float[] {0, 0, 3, 0}, new float[] {3, 3});
        NamedTensors avg = new FedAvg().aggregate(List.of(
                new WeightedUpdate(u1, 10), new WeightedUpdate(u2, 10), new WeightedUpdate(u3, 10)));
        float[] a = avg.get("lora_A").data();
        assertThat(a[0]).isCloseTo(1f, within(1e-6f));
        assertThat(a[1]).isCloseTo(1f, within(1e-6f));
        assertThat(a[2]).isCloseTo(1f, within(1e-6f));
        assertThat(a[3]).isZero();
        assertThat(avg.get("lora_B").data()).containsExactly(2f, 2f);
    }

    @Test
    void aSingleUpdateIsReturnedUnchanged() {
        // note: a -0 would come back as +0 (0.0 + 1.0 * -0.0), numerically the same value
        NamedTensors u = update(new float[] {0.1f, -0.7f, 3.3f, 1e-8f}, new float[] {42f, 0f});
        NamedTensors avg = new FedAvg().aggregate(List.of(new WeightedUpdate(u, 17)));
        assertThat(avg.sameLayout(u)).isTrue();
        assertThat(avg.names()).containsExactlyElementsOf(u.names());
        assertThat(avg.flatten()).containsExactly(u.flatten());
    }

    @Test
    void aggregationDoesNotModifyItsInputs() {
        NamedTensors u1 = update(new float[] {1, 2, 3, 4}, new float[] {5, 6});
        NamedTensors u2 = update(new float[] {4, 3, 2, 1}, new float[] {6, 5});
        NamedTensors before1 = u1.copy();
        NamedTensors before2 = u2.copy();
        new FedAvg().aggregate(List.of(new WeightedUpdate(u1, 2), new WeightedUpdate(u2, 5)));
        assertThat(u1.flatten()).containsExactly(before1.flatten());
        assertThat(u2.flatten()).containsExactly(before2.flatten());
    }

    @Test
    void mismatchedShapesAreRejected() {
        NamedTensors u1 = update(new float[] {1, 2, 3, 4}, new float[] {5, 6});
        NamedTensors u2 = new NamedTensors()
                .put("lora_A", new FloatTensor(new int[] {4}, new float[] {1, 2, 3, 4}))
                .put("lora_B", new FloatTensor(new int[] {2}, new float[] {5, 6}));
        assertThatThrownBy(() -> new FedAvg().aggregate(List.of(new WeightedUpdate(u1, 1), new WeightedUpdate(u2, 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names or shapes");
    }

    @Test
    void mismatchedNamesAreRejected() {
        NamedTensors u1 = update(new float[] {1, 2, 3, 4}, new float[] {5, 6});
        NamedTensors u2 = new NamedTensors()
                .put("lora_A", new FloatTensor(new int[] {2, 2}, new float[] {1, 2, 3, 4}))
                .put("lora_C", new FloatTensor(new int[] {2}, new float[] {5, 6}));
        NamedTensors u3 = new NamedTensors().put("lora_A", new FloatTensor(new int[] {2, 2}, new float[] {1, 2, 3, 4}));
        assertThatThrownBy(() -> new FedAvg().aggregate(List.of(new WeightedUpdate(u1, 1), new WeightedUpdate(u2, 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FedAvg().aggregate(List.of(new WeightedUpdate(u1, 1), new WeightedUpdate(u3, 1))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nothingToAggregateIsRejected() {
        assertThatThrownBy(() -> new FedAvg().aggregate(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nothing to aggregate");
    }

    @Test
    void nonPositiveOrNonFiniteWeightsAreRejected() {
        NamedTensors u = update(new float[] {1, 2, 3, 4}, new float[] {5, 6});
        for (double w : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> new WeightedUpdate(u, w)).as("weight %s", w)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void nameIsFedavg() {
        assertThat(new FedAvg().name()).isEqualTo("fedavg");
    }
}
