package io.cgfed.core.train;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReproducibleTrainingTest {

    /**
     * Regression: DJL's scalar operations used to leave libtorch graphs pointing at Java buffers the
     * garbage collector could free, which showed as runs that differed after a GC, or NaNs.
     */
    @Test
    void sameSeedSameLossesAcrossGarbageCollections() {
        LlamaConfig config = ModelCatalog.config("tiny-llama");
        LoraConfig lora = new LoraConfig(8, 16, List.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V, LoraTarget.O));
        List<MultipleChoiceExample> shard = new DemoTask(7).trainingPool(200);
        NamedTensors start = LoraAdapter.initialise(config, lora, 42);
        List<Double> lastLosses = new ArrayList<>();
        List<float[]> adapters = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, config, ModelCatalog.baseWeights("tiny-llama", 1), lora)) {
            for (int run = 0; run < 8; run++) {
                model.loadAdapter(start);
                var r = new LocalTrainer().train(model, shard, new TrainingConfig(60, 16, 0.01, 0, 0.0, 1.0, 5));
                lastLosses.add(r.lastLoss());
                adapters.add(model.adapter().flatten());
                System.gc();
            }
        }
        assertThat(lastLosses).allMatch(l -> l.equals(lastLosses.get(0)));
        assertThat(adapters).allSatisfy(a -> assertThat(a).containsExactly(adapters.get(0)));
    }
}
