package io.cgfed.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.model.NativeArrays;
import io.cgfed.core.data.DemoTask;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoraDropoutTest {
    private static final LlamaConfig CONFIG = ModelCatalog.config("micro-llama");

    @Test
    void dropoutActsOnlyInTrainingAndTrainingStaysReproducible() {
        LoraConfig lora = new LoraConfig(4, 8, List.of(LoraTarget.Q, LoraTarget.V), 0.5);
        NamedTensors adapter = LoraAdapter.initialise(CONFIG, lora, 2);
        adapter.forEach((name, t) -> {
            if (name.contains("lora_B")) {
                java.util.Arrays.fill(t.data(), 0.1f);
            }
        });
        long[] ids = {256, 65, 66, 67};
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, ModelCatalog.baseWeights("micro-llama", 1), lora)) {
            model.loadAdapter(adapter);
            float[] eval1 = logits(model, ids);
            float[] eval2 = logits(model, ids);
            assertThat(eval1).containsExactly(eval2);
            model.setTraining(true);
            float[] train = logits(model, ids);
            model.setTraining(false);
            assertThat(train).isNotEqualTo(eval1);

            var data = new DemoTask(1).trainingPool(32);
            model.loadAdapter(adapter);
            new LocalTrainer().train(model, data, new TrainingConfig(4, 4, 0.01, 0, 0, 1, 3));
            float[] first = model.adapter().flatten();
            model.loadAdapter(adapter);
            new LocalTrainer().train(model, data, new TrainingConfig(4, 4, 0.01, 0, 0, 1, 3));
            assertThat(model.adapter().flatten()).containsExactly(first);
            assertThat(model.isTraining()).isFalse();
        }
    }

    private static float[] logits(LlamaModel model, long[] ids) {
        try (NDManager step = model.manager().newSubManager()) {
            return model.forward(NativeArrays.of(step, ids, new Shape(1, ids.length))).toFloatArray();
        }
    }
}
