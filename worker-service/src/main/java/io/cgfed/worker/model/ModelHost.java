package io.cgfed.worker.model;

import ai.djl.ndarray.NDManager;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.text.TextTokenizer;
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
    private TextTokenizer tokenizer;
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
            if (tokenizer instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // releasing a native tokenizer cannot fail in a way that matters here
                }
            }
            tokenizer = ModelCatalog.tokenizer(spec.model().name());
            key = wanted;
        }
        return model;
    }

    /** The tokenizer of the model that {@link #model} returned last. */
    public synchronized TextTokenizer tokenizer(ExperimentSpec spec) {
        model(spec);
        return tokenizer;
    }

    @PreDestroy
    synchronized void close() {
        manager.close();
    }
}
