package io.cgfed.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpdateQuarantineTest {
    private static Map<Integer, Double> norms(Double... values) {
        Map<Integer, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            m.put(i, values[i]);
        }
        return m;
    }

    @Test
    void anOutlierFarAboveTheMedianIsQuarantinedAndTheHonestSpreadIsNot() {
        UpdateQuarantine q = new UpdateQuarantine(10, 0);
        assertThat(q.reasons(norms(1.0, 1.2, 0.9, 1.1, 60000.0))).containsOnlyKeys(4);
        assertThat(q.reasons(norms(1.0, 1.2, 0.9, 1.1, 60000.0)).get(4))
                .contains("6.000e+04").contains("median of 1.100");
        // non-IID rounds spread: twice the median is no outlier, even when the others agree to the last digit
        assertThat(q.reasons(norms(1.0, 1.0, 1.0, 2.0))).isEmpty();
        assertThat(q.reasons(norms(1.0, 1.0, 1.0, 2.6))).containsOnlyKeys(3);
        // up to half the round may be outliers and the median still holds
        assertThat(q.reasons(norms(1.0, 1.1, 0.9, 500.0, 800.0))).containsOnlyKeys(3, 4);
        // with fewer than three updates there is no spread to judge by: only the absolute cap applies
        assertThat(q.reasons(norms(1.0, 60000.0))).isEmpty();
        assertThat(new UpdateQuarantine(10, 100).reasons(norms(1.0, 60000.0))).containsOnlyKeys(1);
        assertThat(new UpdateQuarantine(10, 100).reasons(norms(1.0, 60000.0)).get(1)).contains("above the cap of 100.0");
        // rows from before norms were kept are left alone; a non-finite norm never passes
        assertThat(q.reasons(norms(1.0, null, 1.1))).isEmpty();
        assertThat(q.reasons(norms(1.0, Double.NaN, 1.1, 0.9))).containsOnlyKeys(1);
        assertThat(q.reasons(Map.of())).isEmpty();
    }

    @Test
    void settingsOutOfRangeAreRefusedAtStartup() {
        assertThatThrownBy(() -> new UpdateQuarantine(0, 0)).hasMessageContaining("mad-factor");
        assertThatThrownBy(() -> new UpdateQuarantine(10, -1)).hasMessageContaining("max-norm");
    }
}
