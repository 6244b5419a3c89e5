package io.cgfed.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.data.DemoTask;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class GradModeTest {

    /** A worker runs tasks on its own thread, where PyTorch starts with autograd on. */
    @Test
    void adaptersLoadAndTrainOnAThreadOtherThanTheEngines() throws Exception {
        LlamaConfig config = ModelCatalog.config("micro-llama");
        LoraConfig lora = new LoraConfig(4, 8, List.of(LoraTarget.Q, LoraTarget.V));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<NamedTensors> trained = new AtomicReference<>();
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, config, ModelCatalog.baseWeights("micro-llama", 1), lora)) {
            Thread worker = new Thread(() -> {
                try {
                    model.loadAdapter(LoraAdapter.initialise(config, lora, 5));
                    new Evaluator(16).evaluate(model, new DemoTask(1).heldOut(8));
                    new LocalTrainer().train(model, new DemoTask(1).trainingPool(32),
                            new TrainingConfig(3, 4, 0.01, 0, 0, 1, 1));
                    model.loadAdapter(LoraAdapter.initialise(config, lora, 6));
                    trained.set(model.adapter());
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            worker.start();
            worker.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(trained.get().sameLayout(LoraAdapter.layout(config, lora))).isTrue();
    }
}
