package io.cgfed.launcher.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.codec.UpdateDecoder;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.hf.HfCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PayloadTemplateTest {
    @Test
    void payloadIsARealCgfuUpdateOfTheModelsAdapterLayout() {
        LlamaConfig model = LoadModels.config("smollm-135m");
        PayloadTemplate t = PayloadTemplate.build(model, 2, List.of("q", "v"), "fp16", Map.of(), 1);
        // SmolLM-135M: 30 layers, q 576 -> 576, v 576 -> 192 (3 of 9 heads): r (576 + 576 + 576 + 192) per layer
        assertThat(t.values()).isEqualTo(30L * 2 * (576 + 576 + 576 + 192));
        assertThat(t.tensors()).isEqualTo(30 * 4);
        byte[] bytes = t.payload("e1", 3, 17, 100);
        // what the coordinator does with it: read and decode it against the experiment's layout
        var manifest = new java.util.ArrayList<io.cgfed.core.tensor.TensorSpec>();
        LoraAdapter.shapes(model, PayloadTemplate.loraConfig(2, List.of("q", "v")))
                .forEach((name, shape) -> manifest.add(new io.cgfed.core.tensor.TensorSpec(name, shape)));
        UpdatePayload parsed = UpdatePayload.parse(bytes, manifest);
        assertThat(parsed.header().round()).isEqualTo(3);
        assertThat(parsed.header().clientIndex()).isEqualTo(17);
        assertThat(parsed.header().samples()).isEqualTo(100);
        assertThat(parsed.body()).hasSize(2 * (int) t.values());
        assertThat(UpdateDecoder.decode(bytes, manifest).update().numel()).isEqualTo(t.values());
    }

    @Test
    void rankForATargetSizeFollowsTheAffineSize() {
        // bytes(r) = 1000 + 500 (r - 1)
        assertThat(PayloadTemplate.rankFor(1000, 1000, 1500)).isEqualTo(1);
        assertThat(PayloadTemplate.rankFor(3000, 1000, 1500)).isEqualTo(5);
        assertThat(PayloadTemplate.rankFor(3200, 1000, 1500)).isEqualTo(5);
        assertThat(PayloadTemplate.rankFor(3300, 1000, 1500)).isEqualTo(6);
        assertThat(PayloadTemplate.rankFor(10, 1000, 1500)).isEqualTo(1);
    }

    @Test
    void rankForHitsTheTargetWithinOneRankStep() {
        LlamaConfig model = LoadModels.config("smollm-135m");
        int r = PayloadTemplate.rankFor(500 * 1024, model, List.of("q", "v"), "fp16", Map.of());
        long size = PayloadTemplate.build(model, r, List.of("q", "v"), "fp16", Map.of(), 1).sampleBytes();
        long step = PayloadTemplate.build(model, 2, List.of("q", "v"), "fp16", Map.of(), 1).sampleBytes()
                - PayloadTemplate.build(model, 1, List.of("q", "v"), "fp16", Map.of(), 1).sampleBytes();
        assertThat(Math.abs(size - 500 * 1024)).isLessThanOrEqualTo(step / 2 + 1);
    }

    @Test
    void sparseCheckpointOpensAsTheRealModel(@TempDir Path dir) throws Exception {
        String path = LoadModels.specModelName("tinyllama-1.1b", dir);
        HfCheckpoint c = HfCheckpoint.open(Path.of(path));
        assertThat(c.config()).isEqualTo(LoadModels.config("tinyllama-1.1b"));
        assertThat(c.config().numHiddenLayers()).isEqualTo(22);
        Path weights = Path.of(path, "model.safetensors");
        assertThat(Files.size(weights)).isGreaterThan(2_000_000_000L); // 1.1 B parameters in BF16
    }
}
