package io.cgfed.coordinator.upload;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A worker that retries before its first upload was answered: the same bytes, at once; counted once. */
class ConcurrentDuplicateUploadTest extends CoordinatorApiTestBase {

    @Test
    void simultaneousIdenticalUploadsCountOnceAndEveryOneIsAnswered2xx() {
        Running run = startExperiment(spec("concurrent-duplicates"), 2);
        passBaseline(run.id(), run.workers());
        Polled t = awaitTasks(run.workers(), 2).get(0);
        byte[] payload = Payloads.fp16(run.id(), 1, t.client(), 4, Payloads.update(i -> 0.125), 1.0);

        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            sent.add(CompletableFuture.supplyAsync(() -> upload(t.workerId(), t.taskId(), payload)));
        }
        List<HttpResponse<String>> answers = sent.stream().map(CompletableFuture::join).toList();

        assertThat(answers).extracting(HttpResponse::statusCode).containsOnly(200, 202);
        assertThat(answers).filteredOn(r -> r.statusCode() == 202).hasSize(1);
        assertThat(answers).extracting(r -> json(r).get("status").asString()).containsOnly("ACCEPTED", "DUPLICATE");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ? AND round = 1",
                Long.class, run.id())).isEqualTo(1L);
        assertThat(uploadBlobs(run.id())).hasSize(1);
        JsonNode open = experiment(run.id());
        assertThat(round(open, 1).get("uploads").asInt()).isEqualTo(1);
    }
}
