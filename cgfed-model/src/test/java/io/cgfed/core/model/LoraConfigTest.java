package io.cgfed.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.cgfed.core.tensor.TensorSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoraConfigTest {

    @Test
    void targetsInAnyOrderGiveOneCanonicalLayout() {
        LoraConfig lora = new LoraConfig(4, 8, List.of(LoraTarget.V, LoraTarget.Q, LoraTarget.V));
        assertThat(lora.targets()).containsExactly(LoraTarget.Q, LoraTarget.V);
    }

    /** The coordinator checks uploads against the layout; the worker builds them from the model. */
    @Test
    void theModelsAdapterHasTheLayoutsOrderWhateverTheSpecsOrder() {
        LlamaConfig config = ModelCatalog.config("micro-llama");
        LoraConfig lora = new LoraConfig(2, 4, List.of(LoraTarget.O, LoraTarget.K));
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, config, ModelCatalog.baseWeights("micro-llama", 1), lora)) {
            assertThat(TensorSpec.manifestOf(model.adapter()))
                    .containsExactlyElementsOf(TensorSpec.manifestOf(LoraAdapter.layout(config, lora)));
        }
    }

    @Test
    void dropoutDefaultsToZeroAndMustBeBelowOne() {
        assertThat(new LoraConfig(4, 8, List.of(LoraTarget.Q)).dropout()).isZero();
        assertThat(new LoraConfig(4, 8, List.of(LoraTarget.Q), 0.1).dropout()).isEqualTo(0.1);
        assertThat(new LoraConfig(4, 8, List.of(LoraTarget.Q), 0.1))
                .isNotEqualTo(new LoraConfig(4, 8, List.of(LoraTarget.Q)));
        for (double bad : new double[] {-0.1, 1.0, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> new LoraConfig(4, 8, List.of(LoraTarget.Q), bad)).as("dropout %s", bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dropout");
        }
    }
}
