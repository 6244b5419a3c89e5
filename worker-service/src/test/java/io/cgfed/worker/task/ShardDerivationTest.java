package io.cgfed.worker.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.data.DemoTask;
import io.cgfed.core.data.MultipleChoiceExample;
import io.cgfed.core.protocol.ExperimentSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each client derives its own shard from the spec (nothing is sent): the derivation must be a
 * deterministic partition of the training pool, or clients would train on overlapping data.
 */
class ShardDerivationTest {
    private static final int TRAIN_EXAMPLES = 60;

    static ExperimentSpec spec(long datasetSeed) {
        return new ExperimentSpec("shard-test",
                new ExperimentSpec.Model("micro-llama", 0L),
                new ExperimentSpec.Dataset(DemoTask.NAME, datasetSeed, TRAIN_EXAMPLES, 20, "iid"),
                2, 1.0, null, 1,
                new ExperimentSpec.Training(5, 4, 0.01, null, null, null),
                new ExperimentSpec.Lora(4, 8.0, List.of("q", "v")),
                new ExperimentSpec.Codec("none", null),
                null, 0L);
    }

    @Test
    void twoClientShardsAreDisjointCoverTheTrainingPoolAndAreStableAcrossCalls() {
        ExperimentSpec spec = spec(0L);
        List<MultipleChoiceExample> first = ClientShards.shard(spec, 0);
        List<MultipleChoiceExample> second = ClientShards.shard(spec, 1);

        assertThat(first).hasSize(TRAIN_EXAMPLES / 2);
        assertThat(second).hasSize(TRAIN_EXAMPLES / 2);

        // together: exactly the training pool, each example as often as it occurs there (the pool is
        // drawn with replacement, so equal examples may occur more than once)
        List<MultipleChoiceExample> pool = new DemoTask(0L).trainingPool(TRAIN_EXAMPLES);
        List<MultipleChoiceExample> union = new ArrayList<>(first);
        union.addAll(second);
        assertThat(counts(union)).isEqualTo(counts(pool));

        // disjoint: an example that occurs once in the pool is in one shard only
        Map<MultipleChoiceExample, Integer> poolCounts = counts(pool);
        List<MultipleChoiceExample> unique = pool.stream().filter(e -> poolCounts.get(e) == 1).toList();
        assertThat(unique).isNotEmpty();
        for (MultipleChoiceExample e : unique) {
            assertThat(first.contains(e) ^ second.contains(e)).as("%s in exactly one shard", e).isTrue();
        }

        // deterministic: the same spec gives the same shards, in the same order
        assertThat(ClientShards.shard(spec, 0)).isEqualTo(first);
        assertThat(ClientShards.shard(spec(0L), 1)).isEqualTo(second);
    }

    private static Map<MultipleChoiceExample, Integer> counts(List<MultipleChoiceExample> examples) {
        Map<MultipleChoiceExample, Integer> m = new HashMap<>();
        examples.forEach(e -> m.merge(e, 1, Integer::sum));
        return m;
    }
}
