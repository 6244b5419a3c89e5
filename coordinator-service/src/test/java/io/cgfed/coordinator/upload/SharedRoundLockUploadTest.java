package io.cgfed.coordinator.upload;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Uploads share-lock their round (they do not wait for each other): uploads of different clients at
 * once all count, and the same update sent several times at once counts once, the others DUPLICATE.
 */
class SharedRoundLockUploadTest extends CoordinatorApiTestBase {

    @Test
    void concurrentUploadsCountOncePerClient() throws Exception {
        ObjectNode spec = spec("shared-round-lock");
        spec.put("clients", 4);
        spec.put("minClients", 4);
        Running run = startExperiment(spec, 4);
        passBaseline(run.id(), run.workers());
        List<Polled> train = awaitTasks(run.workers(), 4).stream().sorted(Comparator.comparingInt(Polled::client)).toList();

        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (Polled t : train) {
            byte[] payload = Payloads.fp16(run.id(), 1, t.client(), 4, Payloads.update(i -> 0.01 * (t.client() + 1)), 1.0);
            int copies = t.client() == 0 ? 4 : 1; // client 0 sends its update four times at once
            for (int c = 0; c < copies; c++) {
                sent.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return upload(t.workerId(), t.taskId(), payload);
                }));
            }
        }
        go.countDown();
        List<String> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : sent) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).as(r.body()).isIn(200, 202);
            statuses.add(json(r).get("status").asString());
        }

        assertThat(statuses).filteredOn("ACCEPTED"::equals).hasSize(4);
        assertThat(statuses).filteredOn("DUPLICATE"::equals).hasSize(3);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ?",
                Long.class, run.id())).isEqualTo(4L);
        assertThat(round(awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING")), 1)
                .get("uploads").asInt()).isEqualTo(4);
    }
}
