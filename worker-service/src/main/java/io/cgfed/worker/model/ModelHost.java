package io.cgfed.worker.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.cgfed.core.model.WeightSource;
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
    private final NDManager manager;
    private final String baseDtype;
    private LlamaModel model;
    private TextTokenizer tokenizer;
    private String key;

    public ModelHost(io.cgfed.worker.WorkerProperties properties) {
        this.baseDtype = properties.baseDtype();
        // the device comes from configuration (CGFED_DEVICE): cpu, gpu or gpu:N; a GPU the engine lacks stops the start
        this.manager = NDManager.newBaseManager(io.cgfed.core.model.Devices.require(properties.device()));
    }

    /**
     * The dtype this worker holds a model's frozen base in: {@code cgfed.worker.base-dtype} float32 or
     * float16, or (auto, the default) the checkpoint's own: float16 for F16 and BF16 checkpoints (bf16
     * arrays abort the JVM in DJL's libtorch binding, and every bf16 value in float16's range is exact in
     * float16), float32 for F32 ones and the built-in models.
     */
    public static DataType storage(String baseDtype, WeightSource weights) {
        return switch (baseDtype) {
            case io.cgfed.worker.WorkerProperties.FLOAT32 -> DataType.FLOAT32;
            case io.cgfed.worker.WorkerProperties.FLOAT16 -> DataType.FLOAT16;
            default -> weights.storedAs();
        };
    }

    /** Whether a task of this spec trains with activation checkpointing: the spec's choice, else on for a half base. */
    public synchronized boolean checkpointing(ExperimentSpec spec) {
        Boolean chosen = spec.training().activationCheckpointing();
        return chosen != null ? chosen : model(spec).baseStorage() != DataType.FLOAT32;
    }

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
            model = new LlamaModel(manager, resolved.config(), resolved.weights(), lora,
                    storage(baseDtype, resolved.weights()));
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
