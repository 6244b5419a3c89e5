package io.cgfed.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WeightCapTest {
    private static double largestShare(long[] samples, long cap) {
        double total = 0;
        double largest = 0;
        for (long s : samples) {
            long w = Math.min(s, cap);
            total += w;
            largest = Math.max(largest, w);
        }
        return largest / total;
    }

    @Test
    void noCapWhereEveryShareIsWithinTheLimit() {
        assertThat(WeightCap.cap(new long[] {100, 100, 100}, 0.5)).isEqualTo(Long.MAX_VALUE);
        assertThat(WeightCap.cap(new long[] {10, 1_000_000}, 1.0)).isEqualTo(Long.MAX_VALUE);
        assertThat(WeightCap.cap(new long[] {}, 0.3)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aDominantClientIsCappedToTheShareAndTheOthersKeepTheirWeights() {
        long[] samples = {100, 200, 300, 10_000};
        long cap = WeightCap.cap(samples, 0.4);
        // N = 0.4 (600 + N) -> N = 400
        assertThat(cap).isEqualTo(400);
        assertThat(largestShare(samples, cap)).isCloseTo(0.4, org.assertj.core.data.Offset.offset(1e-3));
        long[] two = {100, 200, 9_000, 10_000};
        long c2 = WeightCap.cap(two, 0.3);
        // both large ones capped: N = 0.3 (300 + 2N) -> N = 225
        assertThat(c2).isEqualTo(225);
        assertThat(largestShare(two, c2)).isLessThanOrEqualTo(0.3 + 1e-9);
    }

    @Test
    void aShareNoCapCanReachGivesEqualWeights() {
        assertThat(WeightCap.cap(new long[] {50, 80, 900}, 0.2)).isEqualTo(50);
    }

    @Test
    void theSettingIsChecked() {
        assertThatThrownBy(() -> new WeightCap(0)).hasMessageContaining("max-client-share");
        assertThatThrownBy(() -> new WeightCap(1.5)).hasMessageContaining("max-client-share");
        assertThat(new WeightCap(1).samplesCap(new long[] {1, 1_000})).isEqualTo(Long.MAX_VALUE);
    }
}
