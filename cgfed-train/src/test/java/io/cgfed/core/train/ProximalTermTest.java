package io.cgfed.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.cgfed.core.data.DemoTask;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FedProx: the proximal term holds the local model near the round's global adapter, and mu = 0 changes nothing. */
class ProximalTermTest {
    private static final LlamaConfig CONFIG = ModelCatalog.config("micro-llama");
    private static final LoraConfig LORA = new LoraConfig(4, 8, List.of(LoraTarget.Q, LoraTarget.V));

    private static NamedTensors trained(double mu, NamedTensors start) {
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, ModelCatalog.baseWeights("micro-llama", 1), LORA)) {
            model.loadAdapter(start);
            new LocalTrainer().train(model, new DemoTask(1).trainingPool(32),
                    new TrainingConfig(6, 4, 4, 0.05, 0, 0, 1, 3, false, 0, mu));
            return model.adapter();
        }
    }

    private static double distance(NamedTensors a, NamedTensors b) {
        NamedTensors d = a.minus(b);
        double s = 0;
        for (String n : d.names()) {
            for (float x : d.get(n).data()) {
                s += (double) x * x;
            }
        }
        return Math.sqrt(s);
    }

    @Test
    void aLargerMuKeepsTheLocalAdapterCloserToTheGlobalOneAndZeroChangesNothing() {
        NamedTensors start = LoraAdapter.initialise(CONFIG, LORA, 5);
        start.forEach((name, t) -> {
            if (name.contains("lora_B")) {
                java.util.Arrays.fill(t.data(), 0.05f);
            }
        });
        NamedTensors plain = trained(0.0, start);
        NamedTensors plainAgain;
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, ModelCatalog.baseWeights("micro-llama", 1), LORA)) {
            model.loadAdapter(start);
            new LocalTrainer().train(model, new DemoTask(1).trainingPool(32), new TrainingConfig(6, 4, 4, 0.05, 0, 0, 1, 3,
                    false, 0));
            plainAgain = model.adapter();
        }
        for (String n : plain.names()) {
            assertThat(plain.get(n).data()).as("mu = 0 is plain training, bit for bit").containsExactly(plainAgain.get(n).data());
        }
        double free = distance(plain, start);
        double held = distance(trained(50.0, start), start);
        assertThat(free).isPositive();
        assertThat(held).as("mu = 50 against mu = 0").isLessThan(0.8 * free);
    }
}
