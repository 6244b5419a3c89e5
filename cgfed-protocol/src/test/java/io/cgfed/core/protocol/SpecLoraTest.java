package io.cgfed.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The spec's {@code lora} block and the model's {@link LoraConfig} it becomes. */
class SpecLoraTest {

    @Test
    void theSpecCarriesDropoutIntoTheConfig() {
        ExperimentSpec.Lora without = new ExperimentSpec.Lora(4, 8.0, List.of("q", "v"));
        assertThat(without.dropout()).isZero();
        assertThat(without.toConfig().dropout()).isZero();
        ExperimentSpec.Lora with = new ExperimentSpec.Lora(4, 8.0, List.of("q", "v"), 0.05);
        assertThat(with.toConfig()).isEqualTo(new LoraConfig(4, 8, List.of(LoraTarget.Q, LoraTarget.V), 0.05));
        assertThat(new ExperimentSpec.Lora(4, 8.0, List.of("q"), null).dropout()).isZero();
    }
}
