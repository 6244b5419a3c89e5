package io.cgfed.coordinator.round;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Over-selection: more clients are selected than the quorum needs. With {@code closeAtQuorum} the
 * round closes as soon as the quorum is in; the late client's upload is refused and changes nothing.
 */
class OverSelectionTest extends CoordinatorApiTestBase {

    private static ObjectNode threeClientsQuorumTwo(String name) {
        ObjectNode spec = spec(name);
        spec.put("clients", 3);
        spec.put("minClients", 2);
        return spec;
    }

    @Test
    void closesAsSoonAsTheQuorumArrivedAndRefusesTheLateClient() {
        ObjectNode spec = threeClientsQuorumTwo("over-selection");
        spec.put("closeAtQuorum", true);
        Running run = startExperiment(spec, 3);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 3).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        assertThat(round(experiment(run.id()), 1).get("selected").asInt()).isEqualTo(3);
        byte[] p0 = Payloads.fp16(run.id(), 1, 0, 1, Payloads.update(i -> 0.25), 1.0);
        byte[] p1 = Payloads.fp16(run.id(), 1, 1, 1, Payloads.update(i -> 0.75), 2.0);
        assertStatus(upload(train.get(0).workerId(), train.get(0).taskId(), p0), 202);
        assertStatus(upload(train.get(1).workerId(), train.get(1).taskId(), p1), 202);

        // two of three is the quorum: no waiting for client 2 or the 300 s deadline
        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        JsonNode closed = round(evaluating, 1);
        assertThat(closed.get("uploads").asInt()).isEqualTo(2);
        assertThat(PEERS.aggregatedBatches()).hasSize(1);
        assertThat(PEERS.aggregatedBatches().get(0)).containsExactly(p0, p1);

        Polled late = train.get(2);
        byte[] p2 = Payloads.fp16(run.id(), 1, 2, 1, Payloads.update(i -> -1.0), 1.0);
        JsonNode refused = assertProblem(upload(late.workerId(), late.taskId(), p2), 409);
        assertThat(refused.get("detail").asString()).contains("round 1").contains("late");
        assertThat(jdbc.queryForObject("SELECT status FROM coordinator.tasks WHERE id = ?", String.class, late.taskId()))
                .isEqualTo("CANCELLED");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ? AND round = 1",
                Long.class, run.id())).isEqualTo(2L);
        // its blob was written before the round's lock showed it late, and removed when it was refused
        assertThat(uploadBlobs(run.id())).as("only the two counted uploads are stored").hasSize(2);
        assertThat(round(experiment(run.id()), 1)).isEqualTo(closed);
        assertThat(PEERS.aggregatedBatches()).hasSize(1);
        // the adapter is the average of the two that counted
        float base = adapter(run.id(), 0).get(adapter(run.id(), 0).names().iterator().next()).data()[0];
        float v1 = adapter(run.id(), 1).get(adapter(run.id(), 1).names().iterator().next()).data()[0];
        assertThat((double) v1).isCloseTo(base + 0.5, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void withoutCloseAtQuorumTheRoundWaitsForEverySelectedClient() {
        Running run = startExperiment(threeClientsQuorumTwo("no-early-close"), 3);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 3).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        for (int c = 0; c < 2; c++) {
            assertStatus(upload(train.get(c).workerId(), train.get(c).taskId(),
                    Payloads.fp16(run.id(), 1, c, 1, Payloads.update(i -> 0.25), 1.0)), 202);
        }

        sleep(1_000);
        assertThat(round(experiment(run.id()), 1).get("status").asString()).isEqualTo("OPEN");

        assertStatus(upload(train.get(2).workerId(), train.get(2).taskId(),
                Payloads.fp16(run.id(), 1, 2, 1, Payloads.update(i -> 0.25), 1.0)), 202);
        JsonNode evaluating = awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        assertThat(round(evaluating, 1).get("uploads").asInt()).isEqualTo(3);
    }
}
