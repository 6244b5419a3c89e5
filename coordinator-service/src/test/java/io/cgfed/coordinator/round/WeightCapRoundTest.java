package io.cgfed.coordinator.round;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.tensor.NamedTensors;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.node.ObjectNode;

/**
 * With cgfed.coordinator.aggregation.max-client-share = 0.5 a client that claims most of a round's samples
 * (honestly: within its shard) is weighed at no more than half of the round; the coordinator sends the cap to
 * the codec-service, which applies it as it sums.
 */
@TestPropertySource(properties = "cgfed.coordinator.aggregation.max-client-share=0.5")
class WeightCapRoundTest extends CoordinatorApiTestBase {

    @Test
    void aDominantClientIsWeighedAtHalfTheRound() {
        ObjectNode spec = spec("weight-cap");
        spec.put("clients", 3);
        spec.put("minClients", 3);
        ((ObjectNode) spec.get("dataset")).put("trainExamples", 30); // IID: at most 10 samples a client
        Running run = startExperiment(spec, 3);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 3).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        NamedTensors v0 = adapter(run.id(), 0);
        long[] samples = {1, 1, 10};
        double[] value = {0.5, 0.5, 1.0}; // norms alike enough that no update is quarantined
        for (int c = 0; c < 3; c++) {
            double v = value[c];
            assertStatus(upload(train.get(c).workerId(), train.get(c).taskId(),
                    Payloads.fp16(run.id(), 1, c, samples[c], Payloads.update(i -> v), 1.0)), 202);
        }
        awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        // the cap N solves N = 0.5 (1 + 1 + N): 2; so (0.5 + 0.5 + 2 x 1) / 4, not (0.5 + 0.5 + 10) / 12
        assertThat(PEERS.aggregateCaps).contains(2L);
        NamedTensors v1 = adapter(run.id(), 1);
        String first = v0.names().iterator().next();
        assertThat((double) (v1.get(first).data()[0] - v0.get(first).data()[0])).isCloseTo(0.75, within(1e-3));
    }
}
