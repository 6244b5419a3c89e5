package io.cgfed.core.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.cgfed.core.data.InstructionExample;
import io.cgfed.core.model.Devices;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.hf.CheckpointMaker;
import io.cgfed.core.model.hf.HfCheckpoint;
import io.cgfed.core.model.hf.PublishedModels;
import io.cgfed.core.tensor.DType;
import io.cgfed.core.text.HfTokenizer;
import io.cgfed.core.train.LocalTrainer;
import io.cgfed.core.train.TrainingConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device profile ({@code ./mvnw -Pdevice -pl cgfed-train test}; excluded from the default run): one
 * training step of smollm-135m (bf16 checkpoint, float16 base, activation checkpointing) on the GPU
 * against the same step on the CPU. Tolerance: the first loss within 1e-3 relative, the trained adapters'
 * cosine above 0.999 (the GPU's matmuls reduce in another order, and may use TF32). Skipped, saying why,
 * where the engine sees no GPU.
 */
@Tag("device")
class GpuTrainingStepTest {
    @TempDir
    Path dir;

    private record Step(double loss, float[] adapter) {
    }

    private static Step step(Device device, HfCheckpoint checkpoint, HfTokenizer tokenizer, LoraConfig lora) {
        List<InstructionExample> data = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            data.add(new InstructionExample("c", "Continue the text, part " + i, "",
                    "federated learning keeps data where it lives ".repeat(4)));
        }
        try (NDManager m = NDManager.newBaseManager(device);
             LlamaModel model = new LlamaModel(m, checkpoint.config(), checkpoint, lora, DataType.FLOAT16)) {
            model.loadAdapter(LoraAdapter.initialise(checkpoint.config(), lora, 1));
            var r = new LocalTrainer(tokenizer).trainInstructions(model, data,
                    new TrainingConfig(1, 2, 2, 1e-3, 0, 0, 1, 7, true, 128));
            return new Step(r.firstLoss(), model.adapter().flatten());
        }
    }

    @Test
    void oneStepOnTheGpuMatchesTheCpu() throws Exception {
        int gpus = Engine.getInstance().getGpuCount();
        assumeThat(gpus).as("no GPU visible to the engine (%s): the device profile needs one",
                Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion()).isPositive();
        Path model = dir.resolve("smollm-135m");
        CheckpointMaker.write(PublishedModels.get("smollm-135m"), model, new CheckpointMaker.Options(DType.BF16, 2, 1, false));
        HfCheckpoint checkpoint = HfCheckpoint.open(model);
        LoraConfig lora = new LoraConfig(8, 16, List.of(LoraTarget.Q, LoraTarget.V));
        try (HfTokenizer tokenizer = HfTokenizer.open(model)) {
            Step cpu = step(Device.cpu(), checkpoint, tokenizer, lora);
            Step gpu = step(Devices.require("gpu"), checkpoint, tokenizer, lora);
            System.out.printf("smollm-135m, one step: loss cpu %.6f, gpu %.6f%n", cpu.loss(), gpu.loss());
            assertThat(Math.abs(gpu.loss() - cpu.loss())).isLessThan(1e-3 * Math.abs(cpu.loss()));
            double dot = 0;
            double a = 0;
            double b = 0;
            for (int i = 0; i < cpu.adapter().length; i++) {
                dot += (double) cpu.adapter()[i] * gpu.adapter()[i];
                a += (double) cpu.adapter()[i] * cpu.adapter()[i];
                b += (double) gpu.adapter()[i] * gpu.adapter()[i];
            }
            assertThat(dot / Math.sqrt(a * b)).isGreaterThan(0.999);
        }
    }
}
