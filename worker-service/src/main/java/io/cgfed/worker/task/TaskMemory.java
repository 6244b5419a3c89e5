package io.cgfed.worker.task;

import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.train.TrainingMemory;
import io.cgfed.worker.WorkerProperties;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The worker's memory budget ({@code cgfed.worker.memory-budget}; by default 80 % of the machine's physical
 * memory) against what a training task would hold ({@link TrainingMemory}). Checked twice: before the base
 * model is loaded (frozen base, adapter, optimiser state), and before training once the shard is known (with
 * the activations of its longest sequence). A task that does not fit fails with the estimate and the budget in
 * its reason, and the worker goes on with the next.
 */
@Component
public class TaskMemory {
    private final long budget;
    private final ConcurrentHashMap<String, Model> models = new ConcurrentHashMap<>();

    private final String baseDtype;

    TaskMemory(WorkerProperties properties) {
        this.budget = properties.memoryBudgetBytes();
        this.baseDtype = properties.baseDtype();
    }

    public long budgetBytes() {
        return budget;
    }

    /** Before the model is loaded: the part of the estimate that does not depend on the data. */
    void requireFixed(ExperimentSpec spec) {
        TrainingMemory m = estimate(spec, 1);
        if (m.fixedBytes() > budget) {
            throw new IllegalStateException("the task needs about " + TrainingMemory.gib(m.fixedBytes())
                    + " before any data (frozen base " + TrainingMemory.gib(m.baseBytes()) + ", adapter and optimiser "
                    + TrainingMemory.gib(m.adapterBytes()) + "), more than this worker's memory budget of "
                    + TrainingMemory.gib(budget) + " (cgfed.worker.memory-budget)");
        }
    }

    /** Before training: with the activations of a micro-batch of the shard's longest sequence. */
    void require(ExperimentSpec spec, int longestSequence) {
        TrainingMemory m = estimate(spec, longestSequence);
        if (m.total() > budget) {
            throw new IllegalStateException("the task needs about " + m.describe() + ", more than this worker's memory "
                    + "budget of " + TrainingMemory.gib(budget) + " (cgfed.worker.memory-budget): lower "
                    + "training.microBatchSize, or use shorter examples");
        }
    }

    TrainingMemory estimate(ExperimentSpec spec, int sequence) {
        // a checkpoint's config and headers (not its weights); a built-in model's config, its base held as float32
        Model model = models.computeIfAbsent(spec.model().name(), name -> {
            if (ModelCatalog.exists(name)) {
                return new Model(ModelCatalog.config(name), ai.djl.ndarray.types.DataType.FLOAT32);
            }
            ModelCatalog.Resolved r = ModelCatalog.resolve(name, 0);
            return new Model(r.config(), r.weights().storedAs());
        });
        boolean half = !baseDtype.equals(WorkerProperties.AUTO)
                ? baseDtype.equals(WorkerProperties.FLOAT16) : model.stored() != ai.djl.ndarray.types.DataType.FLOAT32;
        Boolean chosen = spec.training().activationCheckpointing();
        return TrainingMemory.estimate(model.config(), spec.lora().toConfig(), spec.training().microBatchSize(), sequence,
                half ? 2 : 4, chosen != null ? chosen : half);
    }

    private record Model(io.cgfed.core.model.LlamaConfig config, ai.djl.ndarray.types.DataType stored) {
    }
}
