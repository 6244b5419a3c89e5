package io.cgfed.registry.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The comparison's strategy column: the spec's aggregation as it was submitted, fedavg where it named none. */
class ComparisonStrategyTest {
    @Test
    void theStrategyAndItsSettingsAreReadFromTheSpec() {
        assertThat(CompareController.strategy(Map.of("name", "x"))).isEqualTo("fedavg");
        assertThat(CompareController.strategy(Map.of("aggregation", Map.of("name", "median")))).isEqualTo("median");
        assertThat(CompareController.strategy(Map.of("aggregation", Map.of("name", "fedadam", "settings", Map.of()))))
                .isEqualTo("fedadam");
        assertThat(CompareController.strategy(Map.of("aggregation", Map.of("name", "krum",
                "settings", Map.of("byzantine", 1))))).isEqualTo("krum {\"byzantine\":1}");
        assertThat(Comparison.quote("krum {\"byzantine\":1}")).isEqualTo("\"krum {\"\"byzantine\"\":1}\"");
    }
}
