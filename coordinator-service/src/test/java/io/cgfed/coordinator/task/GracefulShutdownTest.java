package io.cgfed.coordinator.task;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;

/**
 * Graceful shutdown: the task service stops before the web server waits for in-flight requests, and
 * held long polls then end at once (204), so that a coordinator stops in seconds, not after every
 * worker's poll has run out; the workers poll again and find the restarted coordinator.
 */
class GracefulShutdownTest extends CoordinatorApiTestBase {
    @Autowired
    TaskService taskService;

    @Test
    void heldLongPollsEndPromptlyWhenTheTaskServiceStops() throws Exception {
        UUID worker = registerWorker("held-poll");
        CompletableFuture<HttpResponse<String>> poll = CompletableFuture.supplyAsync(
                () -> get("/api/v1/workers/" + worker + "/tasks/next?waitSeconds=25"));
        sleep(500);
        assertThat(poll).isNotDone();

        long start = System.nanoTime();
        taskService.stop();
        try {
            HttpResponse<String> r = poll.get(5, TimeUnit.SECONDS);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertStatus(r, 204);
            assertThat(tookMs).as("the held poll ends within a poll interval").isLessThan(2_000L);
            assertThat(taskService.isRunning()).isFalse();
        } finally {
            taskService.start();
        }
        assertThat(taskService.isRunning()).isTrue();
        assertThat(taskService.getPhase()).as("stops before the web server's graceful shutdown phase")
                .isGreaterThan(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE);
    }
}
