package io.cgfed.launcher.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class PercentilesTest {
    @Test
    void nearestRankOnOneToHundred() {
        long[] values = LongStream.rangeClosed(1, 100).map(i -> 101 - i).toArray(); // unsorted on purpose
        Percentiles p = new Percentiles(values);
        assertThat(p.percentile(50)).isEqualTo(50);
        assertThat(p.percentile(99)).isEqualTo(99);
        assertThat(p.percentile(100)).isEqualTo(100);
        assertThat(p.percentile(1)).isEqualTo(1);
        assertThat(p.min()).isEqualTo(1);
        assertThat(p.max()).isEqualTo(100);
        assertThat(p.mean()).isEqualTo(50.5);
    }

    @Test
    void everyPercentileIsAMeasuredValue() {
        Percentiles p = new Percentiles(new long[] {10, 20, 30, 40});
        assertThat(p.percentile(50)).isEqualTo(20); // rank ceil(0.5 x 4) = 2
        assertThat(p.percentile(51)).isEqualTo(30);
        assertThat(p.percentile(99)).isEqualTo(40); // rank ceil(3.96) = 4
        assertThat(p.percentile(0.1)).isEqualTo(10);
    }

    @Test
    void p99OfFiveHundredIsTheFifthLargest() {
        long[] values = LongStream.range(0, 500).toArray();
        assertThat(new Percentiles(values).percentile(99)).isEqualTo(494); // rank 495
    }

    @Test
    void singleValue() {
        Percentiles p = new Percentiles(new long[] {7});
        assertThat(p.percentile(50)).isEqualTo(7);
        assertThat(p.percentile(99)).isEqualTo(7);
    }

    @Test
    void doesNotSortTheCallersArray() {
        long[] values = {3, 1, 2};
        new Percentiles(values);
        assertThat(values).containsExactly(3, 1, 2);
    }

    @Test
    void refusesEmptySamplesAndBadPercentiles() {
        assertThatThrownBy(() -> new Percentiles(new long[0]).percentile(50)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new Percentiles(new long[] {1}).percentile(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Percentiles(new long[] {1}).percentile(100.5))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
