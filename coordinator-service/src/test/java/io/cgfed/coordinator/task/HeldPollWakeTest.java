package io.cgfed.coordinator.task;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Held polls park and are woken by the poll watcher (one query for all of them) when their worker gets a
 * task: a task created while polls are held reaches its worker at once, not at the end of the wait.
 */
class HeldPollWakeTest extends CoordinatorApiTestBase {

    @Test
    void taskCreatedWhilePollsAreHeldArrivesLongBeforeTheWaitEnds() throws Exception {
        List<UUID> workers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            workers.add(registerWorker("held-" + i));
        }
        List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
        long start = System.nanoTime();
        for (UUID w : workers) {
            polls.add(CompletableFuture.supplyAsync(() -> get("/api/v1/workers/" + w + "/tasks/next?waitSeconds=25")));
        }
        sleep(1500); // every poll has claimed nothing and parked

        UUID id = submit(spec("wake-held-polls")); // the baseline evaluation goes to one of them

        HttpResponse<String> first = CompletableFuture.anyOf(polls.toArray(CompletableFuture[]::new))
                .thenApply(r -> (HttpResponse<String>) r).get();
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertStatus(first, 200);
        assertThat(json(first).get("experimentId").asString()).isEqualTo(id.toString());
        assertThat(tookMs).as("woken by the watcher, not at the end of the 25 s wait").isLessThan(10_000L);
    }
}
