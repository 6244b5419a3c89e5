package io.cgfed.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DataSplitTest {
    private static final List<Integer> POOL = IntStream.range(0, 103).boxed().toList();

    @Test
    void fractionsAreExactToRounding() {
        for (double f : new double[] {0, 0.1, 0.25, 0.3, 0.5, 0.9, 1}) {
            Partitioner.Split<Integer> s = Partitioner.split(POOL, f, 4);
            assertThat(s.d1()).as("D1 at %s", f).hasSize((int) Math.round(f * 103));
            assertThat(s.d2()).hasSize(103 - s.d1().size());
        }
        assertThat(Partitioner.split(POOL, 0.3, 4).d1()).hasSize(31); // 30.9
        assertThat(Partitioner.split(POOL, 0.1, 4).d1()).hasSize(10); // 10.3
    }

    @Test
    void partsAreDisjointCoveringAndInPoolOrder() {
        Partitioner.Split<Integer> s = Partitioner.split(POOL, 0.2, 4);
        List<Integer> all = new ArrayList<>(s.d1());
        all.addAll(s.d2());
        assertThat(all).containsExactlyInAnyOrderElementsOf(POOL);
        assertThat(s.d1()).doesNotContainAnyElementsOf(s.d2());
        assertThat(s.d1()).isSorted();
        assertThat(s.d2()).isSorted();
        // a shuffle, not a prefix
        assertThat(s.d1()).isNotEqualTo(POOL.subList(0, s.d1().size()));
    }

    @Test
    void deterministicUnderTheSeed() {
        assertThat(Partitioner.split(POOL, 0.2, 4)).isEqualTo(Partitioner.split(POOL, 0.2, 4));
        assertThat(Partitioner.split(POOL, 0.2, 4).d1()).isNotEqualTo(Partitioner.split(POOL, 0.2, 5).d1());
    }

    @Test
    void clientShardsDivideD2() {
        Partitioner.Split<Integer> s = Partitioner.split(POOL, 0.2, 4);
        List<Integer> shards = new ArrayList<>();
        Partitioner.iidShards(s.d2(), 5, 9).forEach(shards::addAll);
        assertThat(shards).containsExactlyInAnyOrderElementsOf(s.d2());
        assertThat(shards).doesNotContainAnyElementsOf(s.d1());
    }

    @Test
    void fractionOutsideTheUnitIntervalIsRejected() {
        assertThatThrownBy(() -> Partitioner.split(POOL, 1.5, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Partitioner.split(POOL, -0.1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Partitioner.split(POOL, Double.NaN, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
