package io.cgfed.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.cgfed.core.text.ByteTokenizer;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoraMergeTest {
    private static final String Q = "model.layers.0.self_attn.q_proj.weight";

    @Test
    void foldsScaledBTimesAIntoTheWeightAsComputedByHand() {
        NamedTensors base = new NamedTensors();
        FloatTensor norm = new FloatTensor(new int[] {3}, new float[] {1, 1, 1});
        base.put("model.embed_tokens.weight", new FloatTensor(new int[] {1, 3}, new float[] {9, 9, 9}));
        base.put(Q, new FloatTensor(new int[] {2, 3}, new float[] {
                1, 2, 3,
                4, 5, 6}));
        base.put("model.norm.weight", norm);
        NamedTensors adapter = new NamedTensors();
        adapter.put(LoraAdapter.name(0, LoraTarget.Q, 'A'), new FloatTensor(new int[] {2, 3}, new float[] {
                1, 0, 1,
                0, 1, 0}));
        adapter.put(LoraAdapter.name(0, LoraTarget.Q, 'B'), new FloatTensor(new int[] {2, 2}, new float[] {
                1, 2,
                0, -1}));
        LoraConfig lora = new LoraConfig(2, 4, List.of(LoraTarget.Q)); // scaling alpha / r = 2

        NamedTensors merged = LoraMerge.merge(base, adapter, lora);

        // B @ A = [[1, 2, 1], [0, -1, 0]]; W + 2 (B @ A) = [[3, 6, 5], [4, 3, 6]]
        assertThat(merged.get(Q).shape()).containsExactly(2, 3);
        assertThat(merged.get(Q).data()).containsExactly(3, 6, 5, 4, 3, 6);
        assertThat(base.get(Q).data()).as("the base is left as it was").containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(merged.names()).containsExactlyElementsOf(base.names());
        assertThat(merged.get("model.norm.weight")).isSameAs(norm);
        assertThat(merged.names()).noneMatch(n -> n.contains("lora"));
    }

    @Test
    void refusesAdaptersThatDoNotFitTheBase() {
        NamedTensors base = new NamedTensors().put(Q, FloatTensor.zeros(2, 3));
        NamedTensors onlyA = new NamedTensors().put(LoraAdapter.name(0, LoraTarget.Q, 'A'), FloatTensor.zeros(1, 3));
        assertThatThrownBy(() -> LoraMerge.merge(base, onlyA, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no lora_B for " + Q);

        NamedTensors wrongIn = new NamedTensors()
                .put(LoraAdapter.name(0, LoraTarget.Q, 'A'), FloatTensor.zeros(1, 4))
                .put(LoraAdapter.name(0, LoraTarget.Q, 'B'), FloatTensor.zeros(2, 1));
        assertThatThrownBy(() -> LoraMerge.merge(base, wrongIn, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit");

        NamedTensors otherLayer = new NamedTensors()
                .put(LoraAdapter.name(1, LoraTarget.Q, 'A'), FloatTensor.zeros(1, 3))
                .put(LoraAdapter.name(1, LoraTarget.Q, 'B'), FloatTensor.zeros(2, 1));
        assertThatThrownBy(() -> LoraMerge.merge(base, otherLayer, 1.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("base weights have no model.layers.1.self_attn.q_proj.weight");
    }

    /** The merged base without LoRA computes what the base with the adapter computes. */
    @Test
    void mergedWeightsGiveTheLogitsOfTheBaseWithTheAdapter() {
        LlamaConfig config = ModelCatalog.config("micro-llama");
        NamedTensors base = ModelCatalog.baseWeights("micro-llama", 1);
        LoraConfig lora = new LoraConfig(4, 8, List.of(LoraTarget.values()));
        NamedTensors adapter = PeftAdapterTest.adapter(config, lora, 21);
        PeftAdapter peft = PeftAdapter.readZip(PeftAdapter.of("micro-llama", config, lora, adapter).toZip(), config);
        NamedTensors merged = peft.mergeInto(base);
        long[] ids = {ByteTokenizer.BOS, 'S', 'T', 'E', 'M', ByteTokenizer.BOS, 'H', 'U', 'M', ':'};

        float[] withAdapter;
        float[] mergedLogits;
        float[] baseOnly;
        try (NDManager manager = NDManager.newBaseManager()) {
            try (LlamaModel model = new LlamaModel(manager, config, base, lora); NDManager step = manager.newSubManager()) {
                model.loadAdapter(adapter);
                withAdapter = model.forward(NativeArrays.of(step, ids, new Shape(2, 5))).toFloatArray();
            }
            // all LoRA factors zero: the model computes with its base weights alone
            try (LlamaModel model = new LlamaModel(manager, config, merged, lora); NDManager step = manager.newSubManager()) {
                model.loadAdapter(LoraAdapter.layout(config, lora));
                mergedLogits = model.forward(NativeArrays.of(step, ids, new Shape(2, 5))).toFloatArray();
            }
            try (LlamaModel model = new LlamaModel(manager, config, base, lora); NDManager step = manager.newSubManager()) {
                model.loadAdapter(LoraAdapter.layout(config, lora));
                baseOnly = model.forward(NativeArrays.of(step, ids, new Shape(2, 5))).toFloatArray();
            }
        }
        assertThat(mergedLogits).hasSize(2 * 5 * ModelCatalog.BYTE_VOCAB);
        assertThat(maxAbsDiff(mergedLogits, withAdapter)).isLessThan(1e-4);
        assertThat(maxAbsDiff(baseOnly, withAdapter)).as("the adapter does change the logits").isGreaterThan(1e-2);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
