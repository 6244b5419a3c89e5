package io.cgfed.core.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every rule against a hand-computed example, the robust ones' properties, the optimisers' state. */
class StrategiesTest {
    private static NamedTensors vec(float... values) {
        return new NamedTensors().put("a", new FloatTensor(new int[] {values.length}, values));
    }

    private static float[] combine(AggregationRule rule, List<NamedTensors> updates, double... weights) {
        AggregationRule.Combiner c = rule.start();
        for (int i = 0; i < updates.size(); i++) {
            c.add(i, updates.get(i), weights.length == 0 ? 1.0 : weights[i]);
        }
        return c.result().update().get("a").data();
    }

    @Test
    void theMeanIsFedAvgsSampleWeightedAverage() {
        float[] mean = combine(AggregationRule.MEAN, List.of(vec(1, 0), vec(4, 3)), 1, 2);
        assertThat(mean).containsExactly(3f, 2f);
        assertThat(AggregationRule.MEAN.streaming()).isTrue();
    }

    @Test
    void theMedianTakesTheMiddleValueOfEachCoordinateAndTheMeanOfTheTwoMiddleOnesForAnEvenCount() {
        assertThat(combine(CoordinateRules.median(), List.of(vec(1, 2, 3), vec(4, 5, 6), vec(10, -1, 0))))
                .containsExactly(4f, 2f, 3f);
        assertThat(combine(CoordinateRules.median(), List.of(vec(1), vec(2), vec(4), vec(100))))
                .containsExactly(3f);
        // weights do not count: a client claiming a million samples moves the median no more than any other
        assertThat(combine(CoordinateRules.median(), List.of(vec(1), vec(2), vec(100)), 1, 1, 1e6)).containsExactly(2f);
    }

    @Test
    void theTrimmedMeanDropsTheTrimmedShareAtEachEnd() {
        List<NamedTensors> five = List.of(vec(1), vec(2), vec(3), vec(4), vec(100));
        assertThat(combine(CoordinateRules.trimmedMean(0.2), five)).containsExactly(3f); // (2 + 3 + 4) / 3
        assertThat(combine(CoordinateRules.trimmedMean(0.0), five)).containsExactly(22f);
        AggregationRule.Combiner c = CoordinateRules.trimmedMean(0.2).start();
        for (int i = 0; i < 5; i++) {
            c.add(i, five.get(i), 1);
        }
        assertThat(c.result().diagnostics()).containsEntry("trimmedPerSide", 1).containsEntry("trimmedShare", 0.4);
        assertThatThrownBy(() -> CoordinateRules.trimmedMean(0.5)).hasMessageContaining("[0, 0.5)");
    }

    @Test
    void medianAndTrimmedMeanDoNotDependOnTheClientsOrder() {
        Random rnd = new Random(7);
        List<NamedTensors> updates = new ArrayList<>();
        for (int c = 0; c < 9; c++) {
            float[] v = new float[50];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
            updates.add(vec(v));
        }
        for (AggregationRule rule : List.of(CoordinateRules.median(), CoordinateRules.trimmedMean(0.25))) {
            float[] before = combine(rule, updates);
            for (int trial = 0; trial < 5; trial++) {
                List<NamedTensors> shuffled = new ArrayList<>(updates);
                Collections.shuffle(shuffled, new Random(trial));
                assertThat(combine(rule, shuffled)).as(rule.name()).containsExactly(before);
            }
        }
    }

    @Test
    void krumPicksTheUpdateClosestToItsNearestOthers() {
        // 1-D, f = 0, so each is scored on its n - 2 = 2 nearest: 0 -> 1 + 4, 1 -> 1 + 1, 2 -> 1 + 4, 10 -> 64 + 81
        AggregationRule.Combiner c = new KrumRule("krum", 0, 1).start();
        float[] values = {0, 1, 2, 10};
        for (int i = 0; i < values.length; i++) {
            c.add(i, vec(values[i]), 1);
        }
        AggregationRule.Combined r = c.result();
        assertThat(r.update().get("a").data()).containsExactly(1f);
        assertThat(r.diagnostics()).containsEntry("chosenClients", List.of(1)).containsEntry("belowTolerance", false);
    }

    @Test
    void krumAndMultiKrumKeepToTheHonestClusterUnderAttack() {
        Random rnd = new Random(3);
        int honest = 7;
        int byzantine = 2;
        for (int trial = 0; trial < 10; trial++) {
            List<NamedTensors> updates = new ArrayList<>();
            List<Integer> attackers = List.of(rnd.nextInt(honest + byzantine), -1);
            int a1 = attackers.get(0);
            int a2 = (a1 + 1 + rnd.nextInt(honest + byzantine - 1)) % (honest + byzantine);
            for (int c = 0; c < honest + byzantine; c++) {
                float[] v = new float[20];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (1 + 0.1 * rnd.nextGaussian());
                    if (c == a1) {
                        v[i] = -50 * v[i]; // sign-flipped and scaled
                    } else if (c == a2) {
                        v[i] = (float) (30 * rnd.nextGaussian()); // random
                    }
                }
                updates.add(vec(v));
            }
            for (KrumRule rule : List.of(new KrumRule("krum", byzantine, 1), new KrumRule("multi-krum", byzantine, 0))) {
                AggregationRule.Combiner c = rule.start();
                for (int i = 0; i < updates.size(); i++) {
                    c.add(i, updates.get(i), 10 + i);
                }
                AggregationRule.Combined r = c.result();
                @SuppressWarnings("unchecked")
                List<Integer> chosen = (List<Integer>) r.diagnostics().get("chosenClients");
                assertThat(chosen).as(rule.name()).doesNotContain(a1, a2)
                        .hasSize(rule.name().equals("krum") ? 1 : honest);
                for (float x : r.update().get("a").data()) {
                    assertThat(x).isCloseTo(1f, within(0.35f));
                }
            }
        }
    }

    @Test
    void serverMomentumAccumulatesTheMeanUpdates() {
        ServerOptimizer o = ServerOptimizer.momentum(1.0, 0.9);
        ServerOptimizer.Step s1 = o.step(vec(1, -2), null);
        assertThat(s1.change().get("a").data()).containsExactly(1f, -2f);
        ServerOptimizer.Step s2 = o.step(vec(1, 0), s1.state());
        assertThat(s2.change().get("a").data()).containsExactly(1.9f, -1.8f);
        assertThat(s2.changeNorm()).isCloseTo(Math.hypot(1.9, 1.8), within(1e-6));
    }

    @Test
    void adamYogiAndAdagradTakeThePapersFirstStep() {
        double tau = 1e-3;
        double m = 0.1 * 0.5; // (1 - beta1) x delta
        double vAdam = 0.99 * tau * tau + 0.01 * 0.25;
        double vYogi = tau * tau + 0.01 * 0.25; // sign(tau^2 - 0.25) = -1
        double vAdagrad = tau * tau + 0.25;
        Map<String, Double> expected = Map.of("adam", 0.01 * m / (Math.sqrt(vAdam) + tau),
                "yogi", 0.01 * m / (Math.sqrt(vYogi) + tau), "adagrad", 0.01 * m / (Math.sqrt(vAdagrad) + tau));
        expected.forEach((kind, change) -> {
            ServerOptimizer.Step s = ServerOptimizer.adaptive(kind, 0.01, 0.9, 0.99, tau).step(vec(0.5f), null);
            assertThat((double) s.change().get("a").data()[0]).as(kind).isCloseTo(change, within(1e-7));
            assertThat(s.state().names()).containsExactly("m/a", "v/a");
        });
    }

    @Test
    void anOptimiserResumedFromItsStoredStateComputesWhatAnUninterruptedOneDoes() {
        ServerOptimizer o = ServerOptimizer.adaptive("adam", 0.05, 0.9, 0.99, 1e-3);
        List<NamedTensors> deltas = List.of(vec(0.3f, -1), vec(0.1f, 2), vec(-0.2f, 0.5f), vec(0.4f, 0));
        NamedTensors state = null;
        List<float[]> uninterrupted = new ArrayList<>();
        for (NamedTensors d : deltas) {
            ServerOptimizer.Step s = o.step(d, state);
            state = s.state();
            uninterrupted.add(s.change().get("a").data());
        }
        // resumed after round 2: the state as it was stored (a copy, as from its safetensors blob)
        NamedTensors stored = null;
        for (int r = 0; r < 2; r++) {
            stored = o.step(deltas.get(r), stored).state().copy();
        }
        for (int r = 2; r < 4; r++) {
            ServerOptimizer.Step s = o.step(deltas.get(r), stored);
            stored = s.state();
            assertThat(s.change().get("a").data()).containsExactly(uninterrupted.get(r));
        }
    }

    @Test
    void theRegistryRefusesUnknownNamesSettingsValuesAndTooSmallAQuorum() {
        assertThat(Strategies.create(null, null).name()).isEqualTo("fedavg");
        assertThat(Strategies.names()).contains("fedavg", "fedavgm", "fedadam", "fedyogi", "fedadagrad", "median",
                "trimmed-mean", "krum", "multi-krum");
        assertThatThrownBy(() -> Strategies.create("fedsgd", Map.of())).hasMessageContaining("unknown strategy 'fedsgd'");
        assertThatThrownBy(() -> Strategies.create("fedadam", Map.of("lr", 0.1)))
                .hasMessageContaining("unknown setting 'lr'").hasMessageContaining("serverLearningRate");
        assertThatThrownBy(() -> Strategies.create("fedadam", Map.of("beta1", 1.0))).hasMessageContaining("'beta1'");
        assertThatThrownBy(() -> Strategies.create("trimmed-mean", Map.of("trimFraction", 0.5)))
                .hasMessageContaining("'trimFraction'");
        assertThatThrownBy(() -> Strategies.create("krum", Map.of("byzantine", 1.5))).hasMessageContaining("'byzantine'");
        assertThat(Strategies.check("krum", Map.of("byzantine", 2), 7).name()).isEqualTo("krum");
        assertThatThrownBy(() -> Strategies.check("krum", Map.of("byzantine", 2), 6))
                .hasMessageContaining("at least 7 updates").hasMessageContaining("quorum");
        assertThatThrownBy(() -> Strategies.check("multi-krum", Map.of("byzantine", 1, "keep", 8), 6))
                .hasMessageContaining("at least 8");
        for (Strategies.StrategyType t : Strategies.all()) {
            assertThat(t.bounds().keySet()).as(t.name()).containsAll(t.defaults().keySet());
            assertThat(Strategies.create(t.name(), t.defaults()).name()).isEqualTo(t.name());
        }
    }
}
