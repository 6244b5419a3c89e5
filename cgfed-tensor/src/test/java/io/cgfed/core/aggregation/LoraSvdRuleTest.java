package io.cgfed.core.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.junit.jupiter.api.Test;

class LoraSvdRuleTest {
    private static final String A = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
    private static final String B = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";

    private static NamedTensors adapter(int rank, int in, int out, float[] a, float[] b) {
        return new NamedTensors().put(A, new FloatTensor(new int[] {rank, in}, a)).put(B, new FloatTensor(new int[] {out, rank}, b));
    }

    /** B A of an adapter, materialised (the test's shapes are small). */
    private static double[][] product(NamedTensors adapter) {
        FloatTensor a = adapter.get(A);
        FloatTensor b = adapter.get(B);
        int rank = a.shape()[0];
        int in = a.shape()[1];
        int out = b.shape()[0];
        double[][] m = new double[out][in];
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                for (int s = 0; s < rank; s++) {
                    m[i][j] += (double) b.data()[i * rank + s] * a.data()[s * in + j];
                }
            }
        }
        return m;
    }

    private static NamedTensors combine(NamedTensors global, List<NamedTensors> updates, double[] weights, Map<String, Object> settings) {
        AggregationRule.Combiner c = Strategies.create("lora-svd", settings).rule().start(global);
        for (int i = 0; i < updates.size(); i++) {
            c.add(i, updates.get(i), weights[i]);
        }
        return global.plus(c.result().update());
    }

    @Test
    void aHandComputedRoundOfRankOneGivesTheExactMeanOfTheClientsProducts() {
        // global: A = [1 0], B = [0 0]^T (r = 1, in = 2, out = 2)
        NamedTensors global = adapter(1, 2, 2, new float[] {1, 0}, new float[] {0, 0});
        // client 0: B_0 = [1 2]^T, A_0 = A -> B_0 A_0 = [[1 0],[2 0]]; client 1: B_1 = [3 6]^T -> [[3 0],[6 0]]
        NamedTensors u0 = adapter(1, 2, 2, new float[] {0, 0}, new float[] {1, 2});
        NamedTensors u1 = adapter(1, 2, 2, new float[] {0, 0}, new float[] {3, 6});
        // weights 3 and 1: M = (3 [[1 0],[2 0]] + [[3 0],[6 0]]) / 4 = [[1.5 0],[3 0]], rank one
        NamedTensors next = combine(global, List.of(u0, u1), new double[] {3, 1}, Map.of());
        double[][] m = product(next);
        assertThat(m[0][0]).isCloseTo(1.5, within(1e-6));
        assertThat(m[1][0]).isCloseTo(3.0, within(1e-6));
        assertThat(m[0][1]).isCloseTo(0, within(1e-6));
        assertThat(m[1][1]).isCloseTo(0, within(1e-6));
        // A keeps the row norm of the global A (1): A' = +-[1 0], so B' = +-[1.5 3]^T
        assertThat((double) Math.abs(next.get(A).data()[0])).isCloseTo(1.0, within(1e-6));
        assertThat((double) Math.abs(next.get(B).data()[1])).isCloseTo(3.0, within(1e-6));
    }

    @Test
    void factorAveragingLosesTheCrossTermsThatLoraSvdKeeps() {
        // two clients that move A and B together: mean(B_i A_i) != mean(B_i) mean(A_i)
        NamedTensors global = adapter(1, 2, 2, new float[] {0, 0}, new float[] {0, 0});
        NamedTensors u0 = adapter(1, 2, 2, new float[] {1, 0}, new float[] {1, 0});
        NamedTensors u1 = adapter(1, 2, 2, new float[] {-1, 0}, new float[] {-1, 0});
        // both clients' product is [[1 0],[0 0]], so the mean is too; FedAvg's factors average to zero
        double[][] svd = product(combine(global, List.of(u0, u1), new double[] {1, 1}, Map.of()));
        assertThat(svd[0][0]).isCloseTo(1.0, within(1e-6));
        FedAvg.Sum mean = new FedAvg.Sum();
        mean.add(u0, 1);
        mean.add(u1, 1);
        assertThat(product(global.plus(mean.average()))[0][0]).isZero();
    }

    @Test
    void aboveRankRTheResultIsTheBestRankRApproximationAndOrderDoesNotMatter() {
        Random random = new Random(3);
        int rank = 2;
        int in = 12;
        int out = 10;
        NamedTensors global = adapter(rank, in, out, gaussian(random, rank * in, 0.3), gaussian(random, out * rank, 0.1));
        List<NamedTensors> updates = List.of(
                adapter(rank, in, out, gaussian(random, rank * in, 0.1), gaussian(random, out * rank, 0.1)),
                adapter(rank, in, out, gaussian(random, rank * in, 0.1), gaussian(random, out * rank, 0.1)),
                adapter(rank, in, out, gaussian(random, rank * in, 0.1), gaussian(random, out * rank, 0.1)));
        double[] weights = {1, 2, 3};
        // the exact mean of the clients' products, materialised, and its best rank-2 approximation (Eckart-Young)
        double[][] exact = new double[out][in];
        for (int c = 0; c < updates.size(); c++) {
            double[][] p = product(global.plus(updates.get(c)));
            for (int i = 0; i < out; i++) {
                for (int j = 0; j < in; j++) {
                    exact[i][j] += weights[c] / 6 * p[i][j];
                }
            }
        }
        SingularValueDecomposition svd = new SingularValueDecomposition(new Array2DRowRealMatrix(exact));
        double[] sigma = svd.getSingularValues();
        double optimalError = 0;
        for (int i = rank; i < sigma.length; i++) {
            optimalError += sigma[i] * sigma[i];
        }
        NamedTensors next = combine(global, updates, weights, Map.of());
        RealMatrix got = new Array2DRowRealMatrix(product(next));
        double error = got.subtract(new Array2DRowRealMatrix(exact)).getFrobeniusNorm();
        assertThat(error * error).as("squared error against the optimal rank-2 one").isCloseTo(optimalError, within(1e-6));
        // a permutation of the clients gives the same product
        NamedTensors permuted = combine(global, List.of(updates.get(2), updates.get(0), updates.get(1)),
                new double[] {3, 1, 2}, Map.of());
        double[][] p = product(permuted);
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                assertThat(p[i][j]).isCloseTo(got.getEntry(i, j), within(1e-5));
            }
        }
        // the same round again: the same factors, bit for bit (a recomputed round after a restart)
        assertThat(combine(global, updates, weights, Map.of()).get(A).data()).containsExactly(next.get(A).data());
    }

    @Test
    void withoutTheGlobalAdapterOrWithAForeignTensorItRefuses() {
        AggregationRule rule = Strategies.create("lora-svd", Map.of()).rule();
        assertThat(rule.needsGlobal()).isTrue();
        assertThat(rule.streaming()).isFalse();
        assertThatThrownBy(() -> rule.start(null)).hasMessageContaining("global adapter");
        NamedTensors global = adapter(1, 2, 2, new float[] {1, 0}, new float[] {0, 0});
        AggregationRule.Combiner c = rule.start(global);
        NamedTensors foreign = new NamedTensors().put("other", FloatTensor.zeros(2));
        assertThatThrownBy(() -> c.add(0, foreign, 1)).hasMessageContaining("not in the global adapter");
    }

    private static float[] gaussian(Random random, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * scale);
        }
        return x;
    }
}
