package io.cgfed.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingMemoryTest {
    private static final LoraConfig LORA = new LoraConfig(8, 16, List.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V, LoraTarget.O));

    @Test
    void theFrozenBaseIsFourBytesForEveryWeightTheModelHasAndTheAdapterTwentyPerParameter() {
        for (String name : List.of("tiny-llama", "micro-llama")) {
            LlamaConfig c = ModelCatalog.config(name);
            TrainingMemory m = TrainingMemory.estimate(c, LORA, 4, 32);
            assertThat(m.baseBytes()).as(name).isEqualTo(4 * ModelCatalog.baseWeights(name, 1).numel());
            long lora = LoraAdapter.initialise(c, LORA, 1).numel();
            assertThat(m.adapterBytes()).as(name).isEqualTo(20 * lora + TrainingMemory.RUNTIME_BYTES);
        }
    }

    @Test
    void activationsGrowWithTheMicroBatchAndFasterThanLinearlyWithTheSequence() {
        LlamaConfig c = ModelCatalog.config("tiny-llama");
        TrainingMemory one = TrainingMemory.estimate(c, LORA, 1, 64);
        TrainingMemory four = TrainingMemory.estimate(c, LORA, 4, 64);
        assertThat(four.activationBytes()).isEqualTo(4 * one.activationBytes());
        assertThat(four.fixedBytes()).isEqualTo(one.fixedBytes());
        TrainingMemory twice = TrainingMemory.estimate(c, LORA, 1, 128);
        assertThat(twice.activationBytes()).isGreaterThan(2 * one.activationBytes()); // the attention scores are seq^2
        assertThat(twice.describe()).contains("activations of 1 x 128 tokens").contains("MiB");
        assertThat(TrainingMemory.gib(3L << 30)).isEqualTo("3.00 GiB");
    }

    @Test
    void aSevenBillionParameterBaseNeedsItsTwentySevenGigabytes() {
        // LLaMA-7B's published shapes: 32 layers of width 4096, MLP 11008, vocab 32000, untied
        LlamaConfig llama7b = new LlamaConfig(32000, 4096, 11008, 32, 32, 32, 1e-6, 10000.0, 2048, false);
        TrainingMemory m = TrainingMemory.estimate(llama7b, LORA, 1, 512);
        // 6.74 B parameters in fp32
        assertThat(m.baseBytes() / 4).isBetween(6_700_000_000L, 6_780_000_000L);
        assertThat(m.fixedBytes()).isGreaterThan(27L * 1_000_000_000);
    }

    @Test
    void halfPrecisionAndCheckpointingOnASevenBillionLayout() {
        var llama7b = io.cgfed.core.model.hf.PublishedModels.get("llama-7b").config();
        var lora = new io.cgfed.core.model.LoraConfig(16, 32, java.util.List.of(io.cgfed.core.model.LoraTarget.Q,
                io.cgfed.core.model.LoraTarget.K, io.cgfed.core.model.LoraTarget.V, io.cgfed.core.model.LoraTarget.O));
        TrainingMemory fp32 = TrainingMemory.estimate(llama7b, lora, 4, 512);
        TrainingMemory half = TrainingMemory.estimate(llama7b, lora, 4, 512, 2, true);
        assertThat(fp32.baseBytes()).isEqualTo(4 * llama7b.parameterCount());
        assertThat(half.baseBytes()).isEqualTo(2 * llama7b.parameterCount());
        // 32 layers' full activations against each layer's input plus one layer's set and one widened layer
        assertThat(half.activationBytes()).isLessThan(fp32.activationBytes() / 5);
        TrainingMemory halfNoCheckpoint = TrainingMemory.estimate(llama7b, lora, 4, 512, 2, false);
        // without checkpointing the backward keeps every layer's widened float32 weights: no saving at all
        assertThat(halfNoCheckpoint.total()).isGreaterThan(fp32.total());
        System.out.println("llama-7b r16 qkvo, 4 x 512 tokens: fp32 " + fp32.describe() + "; float16 + checkpointing "
                + half.describe());
    }
}
