package io.cgfed.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.cgfed.core.data.DemoTask;
import io.cgfed.core.data.MultipleChoiceExample;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.model.WeightSource;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A base held in float16 and activation checkpointing, each against the float32, uncheckpointed
 * training on the built-in tiny model. Tolerances: checkpointing recomputes the same float32
 * arithmetic, so adapters agree to 1e-5; a float16 base rounds each weight by at most 2^-11 of its
 * size, so losses agree to 1 % and the trained adapters point the same way (cosine above 0.99).
 */
class HalfPrecisionBaseTest {
    private static final LlamaConfig CONFIG = ModelCatalog.config("tiny-llama");
    private static final LoraConfig LORA = new LoraConfig(4, 8, List.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V,
            LoraTarget.O, LoraTarget.GATE, LoraTarget.UP, LoraTarget.DOWN));
    private static final NamedTensors BASE = ModelCatalog.baseWeights("tiny-llama", 3);
    private static final List<MultipleChoiceExample> DATA = new DemoTask(5).trainingPool(48);
    private static final TrainingConfig TRAIN = new TrainingConfig(6, 8, 4, 0.01, 1, 0.0, 1.0, 11);

    private record Run(LocalTrainer.TrainingResult result, float[] adapter, double evalLoss) {
    }

    private static Run train(DataType storage, boolean checkpointing, double dropout) {
        LoraConfig lora = new LoraConfig(LORA.rank(), LORA.alpha(), LORA.targets(), dropout);
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, WeightSource.of(BASE), lora, storage)) {
            assertThat(model.baseStorage()).isEqualTo(storage);
            model.loadAdapter(LoraAdapter.initialise(CONFIG, lora, 21));
            var result = new LocalTrainer().train(model, DATA, TRAIN.withActivationCheckpointing(checkpointing));
            double eval = new Evaluator(8).evaluate(model, DATA.subList(0, 16)).loss();
            return new Run(result, model.adapter().flatten(), eval);
        }
    }

    @Test
    void checkpointingGivesTheSameTrainingAsKeepingEveryActivation() {
        Run plain = train(DataType.FLOAT32, false, 0);
        Run checkpointed = train(DataType.FLOAT32, true, 0);
        assertThat(checkpointed.result().meanLoss()).isCloseTo(plain.result().meanLoss(), within(1e-5));
        assertThat(checkpointed.result().lastLoss()).isCloseTo(plain.result().lastLoss(), within(1e-5));
        for (int i = 0; i < plain.adapter().length; i++) {
            assertThat(checkpointed.adapter()[i]).isCloseTo(plain.adapter()[i], within(1e-5f));
        }
    }

    @Test
    void checkpointingWithDropoutUsesTheSameMasksInBothPassesAndRepeats() {
        Run a = train(DataType.FLOAT32, true, 0.1);
        Run b = train(DataType.FLOAT32, true, 0.1);
        assertThat(a.adapter()).containsExactly(b.adapter());
        assertThat(a.result().lastLoss()).isLessThan(a.result().firstLoss());
        // had the recomputation drawn other masks than the forward pass, the step would still run but
        // follow the wrong gradient; it trains as well as the uncheckpointed run with dropout does
        Run plain = train(DataType.FLOAT32, false, 0.1);
        assertThat(a.evalLoss()).isCloseTo(plain.evalLoss(), within(0.1 * plain.evalLoss()));
    }

    @Test
    void aFloat16BaseTrainsLikeTheFloat32One() {
        Run full = train(DataType.FLOAT32, false, 0);
        Run half = train(DataType.FLOAT16, true, 0);
        assertThat(half.result().firstLoss()).isCloseTo(full.result().firstLoss(), within(0.01 * full.result().firstLoss()));
        assertThat(half.evalLoss()).isCloseTo(full.evalLoss(), within(0.01 * full.evalLoss()));
        double dot = 0;
        double nh = 0;
        double nf = 0;
        for (int i = 0; i < full.adapter().length; i++) {
            dot += (double) half.adapter()[i] * full.adapter()[i];
            nh += (double) half.adapter()[i] * half.adapter()[i];
            nf += (double) full.adapter()[i] * full.adapter()[i];
        }
        assertThat(dot / Math.sqrt(nh * nf)).isGreaterThan(0.99);
        System.out.printf("tiny-llama, 6 steps: eval loss fp32 base %.6f, fp16 base + checkpointing %.6f%n",
                full.evalLoss(), half.evalLoss());
    }
}
