package io.cgfed.worker.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.worker.WorkerProperties;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ByzantineAttackTest {
    private static final NamedTensors UPDATE = new NamedTensors()
            .put("a", new FloatTensor(new int[] {2, 2}, new float[] {1, -2, 3, 0}))
            .put("b", new FloatTensor(new int[] {2}, new float[] {0.5f, 4}));

    private static double norm(NamedTensors t) {
        double s = 0;
        for (String n : t.names()) {
            for (float x : t.get(n).data()) {
                s += (double) x * x;
            }
        }
        return Math.sqrt(s);
    }

    @Test
    void eachAttackSendsWhatItSaysInTheUpdatesShape() {
        assertThat(ByzantineAttack.parse("sign-flip", true).apply(UPDATE, 1).get("a").data()).containsExactly(-1, 2, -3, -0f);
        assertThat(ByzantineAttack.parse("scale:-10", true).apply(UPDATE, 1).get("b").data()).containsExactly(-5f, -40f);
        NamedTensors random = ByzantineAttack.parse("random", true).apply(UPDATE, 7);
        assertThat(random.sameLayout(UPDATE)).isTrue();
        assertThat(norm(random)).isCloseTo(norm(UPDATE), within(1e-5));
        assertThat(random.get("a").data()).isNotEqualTo(UPDATE.get("a").data());
        assertThat(ByzantineAttack.parse("random", true).apply(UPDATE, 7).get("a").data())
                .as("seeded by the task").containsExactly(random.get("a").data());
        assertThat(ByzantineAttack.parse(null, false).apply(UPDATE, 1)).isSameAs(UPDATE);
    }

    @Test
    void anAttackNeedsItsSecondSwitchAndAKnownKind() {
        assertThatThrownBy(() -> ByzantineAttack.parse("sign-flip", false)).hasMessageContaining("attack-allowed=true");
        assertThatThrownBy(() -> ByzantineAttack.parse("scale:x", true)).hasMessageContaining("finite number");
        assertThatThrownBy(() -> ByzantineAttack.parse("poison", true)).hasMessageContaining("none, sign-flip");
        // the worker's settings refuse it at start
        assertThatThrownBy(() -> new WorkerProperties("w", "cpu", "http://c", Duration.ofSeconds(1), 8, null, null, null,
                null, null, null, "scale:-5", false)).hasMessageContaining("attack-allowed");
        assertThat(new WorkerProperties("w", "cpu", "http://c", Duration.ofSeconds(1), 8, null, null, null, null, null,
                null, "scale:-5", true).byzantineAttack().factor()).isEqualTo(-5.0);
    }
}
