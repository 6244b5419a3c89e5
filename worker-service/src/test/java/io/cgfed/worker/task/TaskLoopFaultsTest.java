package io.cgfed.worker.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.cgfed.core.data.DemoTask;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.protocol.WorkerRegistration;
import io.cgfed.worker.client.CoordinatorClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;

/** A task that runs out of memory fails alone; a loop that cannot go on turns liveness BROKEN (issue 15, D). */
class TaskLoopFaultsTest {
    private final CoordinatorClient coordinator = mock(CoordinatorClient.class);
    private final TaskRunner runner = mock(TaskRunner.class);
    private final List<Object> events = new CopyOnWriteArrayList<>();
    private static final io.cgfed.worker.WorkerProperties PROPERTIES = new io.cgfed.worker.WorkerProperties("w", "cpu",
            "http://localhost:1", Duration.ofSeconds(1), 8, null, "cgfj_0123456789abcdef", Duration.ofSeconds(10), null);

    private static TaskMessage task(int round) {
        ExperimentSpec spec = new ExperimentSpec("faults", new ExperimentSpec.Model("micro-llama", 0L),
                new ExperimentSpec.Dataset(DemoTask.NAME, 0L, 20, 20, "iid"), 1, 1.0, null, 1,
                new ExperimentSpec.Training(1, 2, 0.01, null, null, null),
                new ExperimentSpec.Lora(2, 4.0, List.of("q", "v")),
                new ExperimentSpec.Codec("fp16", null), 45, 0L);
        return new TaskMessage(UUID.randomUUID(), TaskMessage.TaskType.TRAIN, UUID.randomUUID(), round, 0, 0, spec);
    }

    private TaskLoop loop() {
        return new TaskLoop(coordinator, runner, PROPERTIES, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                events::add);
    }

    @Test
    void aTaskOutOfMemoryIsReportedAsFailedAndTheNextTaskRuns() throws Exception {
        UUID id = UUID.randomUUID();
        TaskMessage hungry = task(1);
        TaskMessage next = task(2);
        when(coordinator.register()).thenReturn(new WorkerRegistration.Response(id, 1, "cgfw_w"));
        when(coordinator.nextTask(id)).thenReturn(Optional.of(hungry), Optional.of(next)).thenAnswer(i -> {
            Thread.sleep(20);
            return Optional.empty();
        });
        doThrow(new OutOfMemoryError("Java heap space")).when(runner).run(id, hungry);
        TaskLoop loop = loop();

        loop.start();
        try {
            verify(runner, timeout(10_000)).run(id, next);
            // reported with its reason, retried for the task's round deadline
            verify(coordinator, timeout(10_000)).failure(eq(id), eq(hungry.taskId()), contains("OutOfMemoryError"),
                    eq(Duration.ofSeconds(45)));
        } finally {
            loop.stop();
        }
        assertThat(loop.failed()).isEqualTo(1);
        assertThat(loop.completed()).isEqualTo(1);
        assertThat(events).as("liveness untouched").isEmpty();
    }

    @Test
    void anErrorThatEndsTheLoopTurnsLivenessBroken() throws Exception {
        UUID id = UUID.randomUUID();
        when(coordinator.register()).thenReturn(new WorkerRegistration.Response(id, 1, "cgfw_w"));
        when(coordinator.nextTask(id)).thenThrow(new StackOverflowError("in the poll"));
        TaskLoop loop = loop();

        loop.start();
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (events.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            loop.stop();
        }
        assertThat(events).hasSize(1);
        assertThat(((AvailabilityChangeEvent<?>) events.get(0)).getState()).isEqualTo(LivenessState.BROKEN);
        verify(runner, org.mockito.Mockito.never()).run(any(), any());
    }
}
