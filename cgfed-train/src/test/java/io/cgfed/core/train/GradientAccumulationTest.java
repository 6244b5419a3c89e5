package io.cgfed.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.cgfed.core.data.DemoTask;
import io.cgfed.core.data.MultipleChoiceExample;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientAccumulationTest {

    @Test
    void microBatchesAccumulateToTheSameStepAsTheWholeBatch() {
        LlamaConfig config = ModelCatalog.config("micro-llama");
        LoraConfig lora = new LoraConfig(4, 8, List.of(LoraTarget.Q, LoraTarget.V));
        List<MultipleChoiceExample> data = new DemoTask(3).trainingPool(64);
        NamedTensors start = LoraAdapter.initialise(config, lora, 9);
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, config, ModelCatalog.baseWeights("micro-llama", 1), lora)) {
            model.loadAdapter(start);
            var whole = new LocalTrainer().train(model, data, new TrainingConfig(3, 8, 8, 0.01, 0, 0.0, 0.0, 4));
            float[] afterWhole = model.adapter().flatten();
            model.loadAdapter(start);
            var micro = new LocalTrainer().train(model, data, new TrainingConfig(3, 8, 3, 0.01, 0, 0.0, 0.0, 4));
            float[] afterMicro = model.adapter().flatten();

            assertThat(micro.meanLoss()).isCloseTo(whole.meanLoss(), within(1e-5));
            for (int i = 0; i < afterWhole.length; i++) {
                assertThat(afterMicro[i]).isCloseTo(afterWhole[i], within(1e-5f));
            }
            assertThat(afterWhole).isNotEqualTo(start.flatten());
        }
    }

    @Test
    void aMicroBatchLargerThanTheBatchIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TrainingConfig(1, 4, 8, 0.01, 0, 0, 0, 1))
                .hasMessageContaining("microBatchSize");
    }
}
