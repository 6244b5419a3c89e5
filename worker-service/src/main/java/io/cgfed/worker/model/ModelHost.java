package io.cgfed.worker.model;

import ai.djl.ndarray.NDManager;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.protocol.ExperimentSpec;
import jakarta.annotation.PreDestroy;
import org.springframework.stereotype.Component;

/**
 * Holds the base model in the engine between tasks: loading it is the expensive part, so the
 * model of the last experiment is kept and only its LoRA factors change from task to task.
 */
@Component
public class ModelHost {
    private final NDManager manager = NDManager.newBaseManager();
    private LlamaModel model;
    private String key;

    /**
     * Runs work with the model to itself: a task and a generation request never share it at once
     * (the model holds one set of LoRA factors).
     */
    public synchronized <T> T exclusive(java.util.function.Supplier<T> work) {
        return work.get();
    }

    public synchronized LlamaModel model(ExperimentSpec spec) {
        LoraConfig lora = spec.lora().toConfig();
        String wanted = spec.model().name() + "/" + spec.model().seed() + "/" + lora;
        if (model == null || !wanted.equals(key)) {
            if (model != null) {
                model.close();
            }
            // a built-in model, or a Hugging Face checkpoint directory streamed tensor by tensor
            ModelCatalog.Resolved resolved = ModelCatalog.resolve(spec.model().name(), spec.model().seed());
            model = new LlamaModel(manager, resolved.config(), resolved.weights(), lora);
            key = wanted;
        }
        return model;
    }

    @PreDestroy
    synchronized void close() {
        manager.close();
    }
}
