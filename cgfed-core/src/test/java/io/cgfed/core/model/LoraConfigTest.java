package io.cgfed.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.cgfed.core.codec.TensorSpec;
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
}
