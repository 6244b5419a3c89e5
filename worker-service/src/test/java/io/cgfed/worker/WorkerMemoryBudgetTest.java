package io.cgfed.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import io.cgfed.core.train.TrainingMemory;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A worker whose memory budget holds the model, its adapter and optimiser state but not the activations of
 * its shard's sequences: it says its budget at registration, fails the TRAIN task with the estimate and the
 * budget in the reason (nothing is uploaded), and serves the next task.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"cgfed.worker.poll-wait=1s", "cgfed.worker.name=small-worker", "cgfed.worker.device=cpu",
                "cgfed.worker.retry-delay=100ms"})
class WorkerMemoryBudgetTest {
    static final String JOIN_TOKEN = "cgfj_" + UUID.randomUUID() + UUID.randomUUID();
    static final FakeCoordinator COORDINATOR = FakeCoordinator.start(JOIN_TOKEN);
    /** One kibibyte above what the task needs before any data: the sequences' activations do not fit. */
    static final long BUDGET = TrainingMemory.estimate(ModelCatalog.config("micro-llama"),
            FakeCoordinator.lora(WorkerAgainstFakeCoordinatorTest.spec("none")), 4, 1).fixedBytes() + 1024;

    @DynamicPropertySource
    static void coordinator(DynamicPropertyRegistry registry) {
        registry.add("cgfed.worker.coordinator-url", COORDINATOR::url);
        registry.add("cgfed.worker.join-token", () -> JOIN_TOKEN);
        registry.add("cgfed.worker.memory-budget", () -> BUDGET + "B");
    }

    @Test
    void aTaskWhoseActivationsPassTheBudgetFailsWithTheEstimateAndTheNextTaskIsServed() {
        FakeCoordinator.Registration r = await(() -> COORDINATOR.registrations().isEmpty() ? null : COORDINATOR.registrations().get(0));
        assertThat(r.memoryBudgetBytes()).isEqualTo(BUDGET);
        TaskMessage train = WorkerAgainstFakeCoordinatorTest.task(TaskType.TRAIN, 1, 0, "none");
        TaskMessage evaluate = WorkerAgainstFakeCoordinatorTest.task(TaskType.EVALUATE, 1, 0, "none");
        COORDINATOR.enqueue(train);
        COORDINATOR.enqueue(evaluate);
        FakeCoordinator.Report failure = await(() -> first(FakeCoordinator.forTask(COORDINATOR.failures(), train.taskId())));
        assertThat(failure.json().path("reason").asString()).contains("memory budget").contains("activations of 4 x")
                .contains("lower training.microBatchSize");
        assertThat(FakeCoordinator.forTask(COORDINATOR.uploads(), train.taskId())).isEmpty();
        await(() -> first(FakeCoordinator.forTask(COORDINATOR.evaluations(), evaluate.taskId())));
    }

    private static <T> T first(List<T> list) {
        return list.isEmpty() ? null : list.get(0);
    }

    private static <T> T await(java.util.function.Supplier<T> probe) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                fail("timed out; failures so far: " + COORDINATOR.failures().size());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
