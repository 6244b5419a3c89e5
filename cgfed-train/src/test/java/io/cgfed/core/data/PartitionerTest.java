package io.cgfed.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PartitionerTest {
    private static final List<Integer> POOL = IntStream.range(0, 103).boxed().toList();

    private static List<List<Integer>> shards(int clients, long seed) {
        List<List<Integer>> out = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            out.add(Partitioner.iid(POOL, clients, c, seed));
        }
        return out;
    }

    @Test
    void iidShardsAreDisjoint() {
        List<List<Integer>> shards = shards(4, 11);
        Set<Integer> seen = new HashSet<>();
        for (List<Integer> shard : shards) {
            for (Integer x : shard) {
                assertThat(seen.add(x)).as("%s appears in two shards", x).isTrue();
            }
        }
    }

    @Test
    void iidShardsCoverThePoolExactlyOnce() {
        List<List<Integer>> shards = shards(4, 11);
        List<Integer> all = new ArrayList<>();
        shards.forEach(all::addAll);
        assertThat(all).hasSameSizeAs(POOL).containsExactlyInAnyOrderElementsOf(POOL);
    }

    @Test
    void iidShardSizesDifferByAtMostOne() {
        List<List<Integer>> shards = shards(4, 11);
        assertThat(shards).extracting(List::size).containsExactly(26, 26, 26, 25);
    }

    @Test
    void iidShardsAreDeterministicUnderTheSeed() {
        assertThat(shards(4, 11)).isEqualTo(shards(4, 11));
    }

    @Test
    void differentSeedsGiveDifferentShards() {
        assertThat(Partitioner.iid(POOL, 4, 0, 11)).isNotEqualTo(Partitioner.iid(POOL, 4, 0, 12));
    }

    @Test
    void iidShardIsShuffledNotAContiguousSlice() {
        List<Integer> shard = Partitioner.iid(POOL, 4, 0, 11);
        List<Integer> sorted = new ArrayList<>(shard);
        sorted.sort(null);
        assertThat(shard).isNotEqualTo(sorted);
    }

    @Test
    void singleClientGetsThePermutedWholePool() {
        assertThat(Partitioner.iid(POOL, 1, 0, 5)).containsExactlyInAnyOrderElementsOf(POOL);
    }

    @Test
    void permutationIsAPermutation() {
        int[] p = Partitioner.permutation(50, 9);
        assertThat(p).hasSize(50);
        assertThat(IntStream.of(p).boxed().toList()).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 50).boxed().toList());
    }

    @Test
    void clientIndexOutOfRangeIsRejected() {
        assertThatThrownBy(() -> Partitioner.iid(POOL, 4, 4, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("client index 4");
        assertThatThrownBy(() -> Partitioner.iid(POOL, 4, -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Partitioner.iid(POOL, 0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
