package io.cgfed.worker.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.after;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.cgfed.core.protocol.WorkerRegistration;
import io.cgfed.worker.client.CoordinatorClient;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.client.HttpClientErrorException;

/** What the task loop does when the coordinator no longer knows its credential, or revoked it. */
class TaskLoopAccessTest {
    private final CoordinatorClient coordinator = mock(CoordinatorClient.class);
    private final TaskRunner runner = mock(TaskRunner.class);
    private static final io.cgfed.worker.WorkerProperties PROPERTIES = new io.cgfed.worker.WorkerProperties("w", "cpu",
            "http://localhost:1", java.time.Duration.ofSeconds(1), 8, null, "cgfj_0123456789abcdef", java.time.Duration.ofSeconds(10),
            null);

    static HttpClientErrorException refusal(HttpStatus status) {
        return HttpClientErrorException.create(status, status.getReasonPhrase(), new HttpHeaders(), new byte[0],
                StandardCharsets.UTF_8);
    }

    @Test
    void aWorkerWhoseCredentialIsNotKnownRegistersAgain() throws Exception {
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        when(coordinator.register()).thenReturn(new WorkerRegistration.Response(first, 1, "cgfw_first"),
                new WorkerRegistration.Response(second, 1, "cgfw_second"));
        when(coordinator.nextTask(first)).thenThrow(refusal(HttpStatus.UNAUTHORIZED));
        when(coordinator.nextTask(second)).thenAnswer(i -> {
            Thread.sleep(20);
            return Optional.empty();
        });
        TaskLoop loop = new TaskLoop(coordinator, runner, PROPERTIES, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                event -> { });

        loop.start();
        try {
            await(() -> second.equals(loop.workerId()));
        } finally {
            loop.stop();
        }
        verify(coordinator, times(2)).register();
    }

    @Test
    void aRevokedWorkerStopsAskingForTasks() throws Exception {
        UUID id = UUID.randomUUID();
        when(coordinator.register()).thenReturn(new WorkerRegistration.Response(id, 1, "cgfw_revoked"));
        when(coordinator.nextTask(id)).thenThrow(refusal(HttpStatus.FORBIDDEN));
        TaskLoop loop = new TaskLoop(coordinator, runner, PROPERTIES, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                event -> { });

        loop.start();
        try {
            // one poll, refused; no second one (a retry would come after 0.5 s) and no new registration
            verify(coordinator, timeout(10_000)).nextTask(id);
            verify(coordinator, after(1_500).times(1)).nextTask(id);
        } finally {
            loop.stop();
        }
        verify(coordinator, times(1)).register();
        verify(runner, never()).run(any(), any());
    }

    @Test
    void aRefusedRegistrationIsRetried() throws Exception {
        UUID id = UUID.randomUUID();
        when(coordinator.register()).thenThrow(refusal(HttpStatus.UNAUTHORIZED))
                .thenReturn(new WorkerRegistration.Response(id, 1, "cgfw_late"));
        when(coordinator.nextTask(id)).thenAnswer(i -> {
            Thread.sleep(20);
            return Optional.empty();
        });
        TaskLoop loop = new TaskLoop(coordinator, runner, PROPERTIES, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                event -> { });

        loop.start();
        try {
            await(() -> id.equals(loop.workerId()));
        } finally {
            loop.stop();
        }
        verify(coordinator, atLeastOnce()).nextTask(id);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
