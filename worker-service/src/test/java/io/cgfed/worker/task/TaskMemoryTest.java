package io.cgfed.worker.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.data.DemoTask;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.worker.WorkerProperties;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class TaskMemoryTest {
    private static TaskMemory budget(String size) {
        return budget(size, null);
    }

    private static TaskMemory budget(String size, String baseDtype) {
        return new TaskMemory(new WorkerProperties("w", "cpu", "http://localhost:1", Duration.ofSeconds(1), 8, null, null,
                null, null, size == null ? null : DataSize.parse(size), baseDtype));
    }

    private static ExperimentSpec spec(int microBatch) {
        return new ExperimentSpec("memory", new ExperimentSpec.Model("tiny-llama", 0L),
                new ExperimentSpec.Dataset(DemoTask.NAME, 0L, 40, 10, "iid"), 2, 1.0, null, 1,
                new ExperimentSpec.Training(5, microBatch, microBatch, 0.01, null, null, null),
                new ExperimentSpec.Lora(8, 16.0, List.of("q", "v")), new ExperimentSpec.Codec("fp16", null), null, 0L);
    }

    @Test
    void aBaseThatDoesNotFitIsRefusedBeforeItIsLoaded() {
        assertThatThrownBy(() -> budget("64MB").requireFixed(spec(4))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("before any data").hasMessageContaining("memory budget of 64.0 MiB")
                .hasMessageContaining("cgfed.worker.memory-budget");
        budget("1GB").requireFixed(spec(4));
    }

    @Test
    void activationsOfTheLongestSequenceDecideOnceTheShardIsKnown() {
        TaskMemory m = budget("300MB");
        m.require(spec(4), 64);
        long big = m.estimate(spec(4096), 64).total();
        assertThat(big).isGreaterThan(300L << 20);
        assertThatThrownBy(() -> m.require(spec(4096), 64)).hasMessageContaining("activations of 4096 x 64 tokens")
                .hasMessageContaining("lower training.microBatchSize");
    }

    @Test
    void withoutASettingTheBudgetIsMostOfThePhysicalMemory() {
        long physical = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        assertThat(budget(null).budgetBytes()).isEqualTo((long) (0.8 * physical));
        assertThat(budget("2GB").budgetBytes()).isEqualTo(2L << 30);
    }

    @Test
    void aFloat16BaseHalvesTheBaseAndTurnsCheckpointingOnUnlessTheSpecSaysOtherwise() {
        var full = budget("1GB").estimate(spec(64), 64);
        var half = budget("1GB", "float16").estimate(spec(64), 64);
        assertThat(half.baseBytes() * 2).isEqualTo(full.baseBytes());
        // per-layer checkpointing keeps one layer's activations, not both of tiny-llama's two
        assertThat(half.activationBytes()).isLessThan(full.activationBytes());
        assertThatThrownBy(() -> budget("1GB", "bf16")).hasMessageContaining("cgfed.worker.base-dtype");
    }
}
