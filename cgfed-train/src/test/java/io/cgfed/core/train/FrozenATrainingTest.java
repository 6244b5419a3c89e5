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

/** FFA-LoRA: with A frozen, training moves B only, and what a client sends is B's change, half the layout. */
class FrozenATrainingTest {
    private static final LlamaConfig CONFIG = ModelCatalog.config("micro-llama");
    private static final LoraConfig FFA = new LoraConfig(4, 8, List.of(LoraTarget.Q, LoraTarget.V), 0.0, true);

    @Test
    void trainingMovesBAndLeavesAAsInitialised() {
        NamedTensors start = LoraAdapter.initialise(CONFIG, FFA, 5);
        NamedTensors trained;
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, ModelCatalog.baseWeights("micro-llama", 1), FFA)) {
            assertThat(model.loraParameters().keySet()).allMatch(n -> n.endsWith("lora_B.weight"));
            model.loadAdapter(start);
            LocalTrainer.TrainingResult r = new LocalTrainer().train(model, new DemoTask(1).trainingPool(32),
                    new TrainingConfig(6, 4, 4, 0.05, 0, 0, 1, 3, false, 0));
            assertThat(r.lastLoss()).isLessThan(r.firstLoss());
            trained = model.adapter();
        }
        NamedTensors change = trained.minus(start);
        NamedTensors sent = LoraAdapter.sent(change, FFA);
        assertThat(sent.names()).hasSize(change.names().size() / 2).allMatch(n -> n.endsWith("lora_B.weight"));
        assertThat(sent.numel()).isEqualTo(LoraAdapter.updateShapes(CONFIG, FFA).values().stream()
                .mapToLong(s -> (long) s[0] * s[1]).sum());
        for (String name : change.names()) {
            double norm = 0;
            for (float x : change.get(name).data()) {
                norm += Math.abs(x);
            }
            if (name.endsWith("lora_A.weight")) {
                assertThat(norm).as("frozen %s", name).isZero();
            } else {
                assertThat(norm).as("trained %s", name).isPositive();
            }
        }
        // standard LoRA sends every factor's change
        LoraConfig standard = new LoraConfig(4, 8, List.of(LoraTarget.Q, LoraTarget.V));
        assertThat(LoraAdapter.sent(change, standard).names()).isEqualTo(change.names());
    }
}
