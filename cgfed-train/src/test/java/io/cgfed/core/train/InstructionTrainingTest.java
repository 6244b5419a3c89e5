package io.cgfed.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.cgfed.core.data.ClientData;
import io.cgfed.core.data.InstructionExample;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.protocol.ExperimentSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstructionTrainingTest {

    @Test
    void instructionJsonlIsDealtToClientsAndTrainingLowersTheHeldOutResponseLoss(@TempDir Path dir) throws Exception {
        StringBuilder jsonl = new StringBuilder();
        String[] colours = {"red", "blue", "green", "black"};
        for (int i = 0; i < 48; i++) {
            jsonl.append("{\"instruction\":\"Colour\",\"input\":\"no ").append(i).append(" code ").append("rbgk".charAt(i % 4))
                    .append("\",\"output\":\"").append(colours[i % 4]).append("\",\"category\":\"c").append(i % 2).append("\"}\n");
        }
        Files.writeString(dir.resolve("train.jsonl"), jsonl);
        ExperimentSpec.Dataset d = new ExperimentSpec.Dataset(ClientData.INSTRUCTIONS, 1L, 40, 8, "iid",
                dir.toString(), null, null);
        ClientData.Shards<InstructionExample> first = ClientData.instructionsForClient(d, 2, 0, null);
        ClientData.Shards<InstructionExample> second = ClientData.instructionsForClient(d, 2, 1, null);
        assertThat(first.train().size() + second.train().size()).isEqualTo(40);
        assertThat(first.heldOut()).hasSize(8).doesNotContainAnyElementsOf(first.train());

        // a model wide enough for the Alpaca template (about 190 byte tokens)
        LlamaConfig config = new LlamaConfig(259, 32, 64, 1, 4, 2, 1e-6, 10000.0, 256, false);
        LoraConfig lora = new LoraConfig(8, 16, List.of(LoraTarget.Q, LoraTarget.V, LoraTarget.O));
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, config,
                     io.cgfed.core.model.BaseWeights.random(config, 1, 0.15, 0.25), lora)) {
            model.loadAdapter(LoraAdapter.initialise(config, lora, 2));
            Evaluator evaluator = new Evaluator(8);
            Evaluator.EvalResult before = evaluator.evaluateInstructions(model, first.heldOut());
            new LocalTrainer().trainInstructions(model, first.train(), new TrainingConfig(30, 8, 4, 0.02, 0, 0, 1, 3));
            Evaluator.EvalResult after = evaluator.evaluateInstructions(model, first.heldOut());
            assertThat(after.loss()).isLessThan(before.loss() * 0.7);
            assertThat(after.perplexity()).isCloseTo(Math.exp(after.loss()), org.assertj.core.api.Assertions.within(1e-6));
            assertThat(after.accuracy()).isNaN();
        }
    }
}
