package io.cgfed.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class DirichletPartitionTest {
    record Item(int id, String category) {
    }

    private static final List<String> CATEGORIES = List.of("STEM", "Social Science", "Humanities", "Other");
    private static final Function<Item, String> CATEGORY = Item::category;

    /** 250 items of each of the four categories, interleaved. */
    private static List<Item> pool(int perCategory) {
        List<Item> pool = new ArrayList<>();
        for (int i = 0; i < perCategory * CATEGORIES.size(); i++) {
            pool.add(new Item(i, CATEGORIES.get(i % CATEGORIES.size())));
        }
        return pool;
    }

    private static void assertDisjointAndCovering(List<List<Item>> shards, List<Item> pool) {
        Set<Integer> seen = new HashSet<>();
        int total = 0;
        for (List<Item> shard : shards) {
            for (Item x : shard) {
                assertThat(seen.add(x.id())).as("%s in two shards", x).isTrue();
            }
            total += shard.size();
        }
        assertThat(total).isEqualTo(pool.size());
        assertThat(seen).hasSize(pool.size());
    }

    /**
     * Mean over clients of the total-variation distance between the client's category histogram
     * and the pool's (uniform over four here): 0 for IID-like shards, up to 0.75 for one category
     * per client.
     */
    private static double meanSkew(List<List<Item>> shards) {
        double sum = 0;
        for (List<Item> shard : shards) {
            Map<String, Integer> h = new TreeMap<>();
            shard.forEach(x -> h.merge(x.category(), 1, Integer::sum));
            double tv = 0;
            for (String c : CATEGORIES) {
                tv += Math.abs(h.getOrDefault(c, 0) / (double) shard.size() - 0.25);
            }
            sum += tv / 2;
        }
        return sum / shards.size();
    }

    @Test
    void shardsAreDisjointAndCoverThePool() {
        List<Item> pool = pool(250);
        for (double alpha : new double[] {0.1, 1, 1000}) {
            assertDisjointAndCovering(Partitioner.dirichletShards(pool, CATEGORY, 10, alpha, 3), pool);
        }
    }

    @Test
    void smallAlphaSkewsTheClientsCategories() {
        List<List<Item>> shards = Partitioner.dirichletShards(pool(250), CATEGORY, 10, 0.1, 3);
        double skew = meanSkew(shards);
        assertThat(skew).as("mean TV distance at alpha 0.1").isGreaterThan(0.4);
        // most clients are dominated by one category
        long dominated = shards.stream().filter(s -> {
            Map<String, Integer> h = new TreeMap<>();
            s.forEach(x -> h.merge(x.category(), 1, Integer::sum));
            return h.values().stream().mapToInt(Integer::intValue).max().orElse(0) > 0.6 * s.size();
        }).count();
        assertThat(dominated).isGreaterThanOrEqualTo(6);
    }

    @Test
    void largeAlphaIsNearlyUniform() {
        List<List<Item>> shards = Partitioner.dirichletShards(pool(250), CATEGORY, 10, 1000, 3);
        assertThat(meanSkew(shards)).as("mean TV distance at alpha 1000").isLessThan(0.05);
        assertThat(shards).allSatisfy(s -> assertThat(s.size()).isBetween(85, 115));
    }

    @Test
    void skewFallsAsAlphaGrows() {
        List<Item> pool = pool(250);
        double s01 = meanSkew(Partitioner.dirichletShards(pool, CATEGORY, 10, 0.1, 5));
        double s1 = meanSkew(Partitioner.dirichletShards(pool, CATEGORY, 10, 1, 5));
        double s1000 = meanSkew(Partitioner.dirichletShards(pool, CATEGORY, 10, 1000, 5));
        assertThat(s01).isGreaterThan(s1);
        assertThat(s1).isGreaterThan(s1000);
    }

    @Test
    void deterministicUnderTheSeed() {
        List<Item> pool = pool(50);
        assertThat(Partitioner.dirichletShards(pool, CATEGORY, 5, 0.5, 9))
                .isEqualTo(Partitioner.dirichletShards(pool, CATEGORY, 5, 0.5, 9));
        assertThat(Partitioner.dirichletShards(pool, CATEGORY, 5, 0.5, 9))
                .isNotEqualTo(Partitioner.dirichletShards(pool, CATEGORY, 5, 0.5, 10));
        for (int c = 0; c < 5; c++) {
            assertThat(Partitioner.dirichlet(pool, CATEGORY, 5, c, 0.5, 9))
                    .isEqualTo(Partitioner.dirichletShards(pool, CATEGORY, 5, 0.5, 9).get(c));
        }
    }

    @Test
    void shardsKeepThePoolsOrder() {
        for (List<Item> shard : Partitioner.dirichletShards(pool(50), CATEGORY, 5, 0.5, 9)) {
            assertThat(shard).isSortedAccordingTo((a, b) -> Integer.compare(a.id(), b.id()));
        }
    }

    @Test
    void everyClientGetsAnExampleWhenThePoolAllows() {
        List<Item> pool = pool(10); // 40 items, 20 clients, extreme skew
        for (long seed = 0; seed < 20; seed++) {
            List<List<Item>> shards = Partitioner.dirichletShards(pool, CATEGORY, 20, 0.01, seed);
            assertThat(shards).allSatisfy(s -> assertThat(s).isNotEmpty());
            assertDisjointAndCovering(shards, pool);
        }
        List<Item> tiny = pool(1); // 4 items, 6 clients: two stay empty
        List<List<Item>> shards = Partitioner.dirichletShards(tiny, CATEGORY, 6, 0.5, 1);
        assertDisjointAndCovering(shards, tiny);
        assertThat(shards.stream().filter(List::isEmpty).count()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void badArgumentsAreRejected() {
        List<Item> pool = pool(5);
        assertThatThrownBy(() -> Partitioner.dirichletShards(pool, CATEGORY, 0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Partitioner.dirichletShards(pool, CATEGORY, 3, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alpha");
        assertThatThrownBy(() -> Partitioner.dirichletShards(pool, CATEGORY, 3, Double.NaN, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Partitioner.dirichlet(pool, CATEGORY, 3, 3, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("client index 3");
    }

    @Test
    void gammaDrawsHaveTheRightMean() {
        for (double shape : new double[] {0.1, 0.5, 1, 3.5, 100}) {
            SplittableRandom random = new SplittableRandom(17);
            double sum = 0;
            int n = 40_000;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(Partitioner.logGamma(shape, random));
            }
            // Gamma(shape, 1) has mean and variance shape; allow 5 standard errors
            assertThat(sum / n).as("mean of Gamma(%s)", shape).isCloseTo(shape,
                    org.assertj.core.data.Offset.offset(5 * Math.sqrt(shape / n)));
        }
    }

    @Test
    void dirichletDrawsSumToOne() {
        SplittableRandom random = new SplittableRandom(1);
        for (double alpha : new double[] {0.001, 0.1, 1, 1000}) {
            double[] p = Partitioner.dirichletSample(alpha, 7, random);
            assertThat(java.util.Arrays.stream(p).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
            assertThat(java.util.Arrays.stream(p).allMatch(x -> x >= 0 && x <= 1)).isTrue();
        }
    }

    @Test
    void apportionGivesExactlyN() {
        assertThat(Partitioner.apportion(new double[] {0.5, 0.3, 0.2}, 7)).containsExactly(4, 2, 1);
        assertThat(Partitioner.apportion(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, 10)).containsExactly(4, 3, 3);
        assertThat(Partitioner.apportion(new double[] {0.25, 0.25, 0.25, 0.25}, 0)).containsExactly(0, 0, 0, 0);
    }

    @Test
    void schemesByName() {
        List<Item> pool = pool(25);
        assertThat(Partitioner.shard("iid", pool, CATEGORY, 4, 1, 7)).isEqualTo(Partitioner.iid(pool, 4, 1, 7));
        assertThat(Partitioner.shard("dirichlet:0.5", pool, CATEGORY, 4, 1, 7))
                .isEqualTo(Partitioner.dirichlet(pool, CATEGORY, 4, 1, 0.5, 7));
        assertThat(Partitioner.shard(" Dirichlet(0.5) ", pool, CATEGORY, 4, 1, 7))
                .isEqualTo(Partitioner.dirichlet(pool, CATEGORY, 4, 1, 0.5, 7));
        assertThatThrownBy(() -> Partitioner.parseScheme("shards")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown partition 'shards'");
        assertThatThrownBy(() -> Partitioner.parseScheme("dirichlet:x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Partitioner.parseScheme("dirichlet:-1")).isInstanceOf(IllegalArgumentException.class);
    }
}
