package io.cgfed.core.aggregation;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;

/**
 * LoRA-aware aggregation ({@code lora-svd}): averages what the clients' adapters do, not their factors. Per
 * LoRA target, client i's adapter after training is {@code (A_i, B_i) = (A + dA_i, B + dB_i)} and its weight
 * {@code B_i A_i}; FedAvg's {@code (mean B_i)(mean A_i)} is not {@code mean(B_i A_i)} (the cross terms are lost,
 * which is why the paper's factor averaging drifts). This rule forms {@code M = sum_i w_i B_i A_i} (weights the
 * clients' capped samples, normalised) and factors it back to rank r by a randomised SVD (Halko, Martinsson and
 * Tropp 2011: a Gaussian sketch of {@code r + oversampling} columns, {@code powerIterations} subspace iterations,
 * then the small SVD through the sketch's Gram matrix). M is applied as an operator, {@code M x = sum_i w_i B_i
 * (A_i x)}: it is never materialised (LLaMA-7B: 4096 x 4096 per target), so a target costs
 * {@code O(n r k (out + in))} for n clients and sketch width k.
 *
 * <p>The new factors are {@code B' = Q U_r S_r / c} and {@code A' = c V_r^T}, with c the RMS row norm of the
 * global A: A keeps the scale of its initialisation (PEFT's Kaiming-uniform rows have norm 1/sqrt 3), so the
 * clients' next local steps see factors of the usual size; a direction M does not have (rank below r) keeps the
 * global A's row and a zero B column. The rule's combined update is {@code (A' - A, B' - B)}, which the
 * coordinator adds to the global adapter as any other.
 *
 * <p>The rule holds the round's updates (n x P floats, as the robust rules do): the subspace iterations pass
 * over every client several times. It needs the round's global adapter ({@link #start(NamedTensors)}). The
 * sketch is seeded from the target's name only, so a round recomputed after a restart gives the same factors.
 * Diagnostics: {@code svdTailEnergy}, the share of the sketch's energy beyond rank r (0: M had rank at most r),
 * averaged over targets.
 */
public final class LoraSvdRule implements AggregationRule {
    private static final String A_SUFFIX = "lora_A.weight";
    private static final String B_SUFFIX = "lora_B.weight";
    private final int oversampling;
    private final int powerIterations;

    public LoraSvdRule(int oversampling, int powerIterations) {
        if (oversampling < 0 || powerIterations < 0) {
            throw new IllegalArgumentException("oversampling and powerIterations must be >= 0");
        }
        this.oversampling = oversampling;
        this.powerIterations = powerIterations;
    }

    @Override
    public String name() {
        return "lora-svd";
    }

    @Override
    public boolean streaming() {
        return false;
    }

    @Override
    public boolean needsGlobal() {
        return true;
    }

    @Override
    public Combiner start() {
        throw new IllegalStateException("lora-svd needs the round's global adapter: start(global)");
    }

    @Override
    public Combiner start(NamedTensors global) {
        if (global == null) {
            throw new IllegalArgumentException("lora-svd needs the round's global adapter");
        }
        List<NamedTensors> updates = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        return new Combiner() {
            @Override
            public void add(int client, NamedTensors update, double weight) {
                if (!(weight > 0) || Double.isInfinite(weight)) {
                    throw new IllegalArgumentException("update weight must be positive and finite");
                }
                if (!updates.isEmpty() && !update.sameLayout(updates.get(0))) {
                    throw new IllegalArgumentException("updates differ in names or shapes");
                }
                for (String name : update.names()) {
                    if (!global.contains(name) || !java.util.Arrays.equals(global.get(name).shape(), update.get(name).shape())) {
                        throw new IllegalArgumentException("update tensor '" + name + "' is not in the global adapter's layout");
                    }
                }
                updates.add(update);
                weights.add(weight);
            }

            @Override
            public Combined result() {
                if (updates.isEmpty()) {
                    throw new IllegalArgumentException("nothing to aggregate");
                }
                return combine(global, updates, weights);
            }
        };
    }

    private Combined combine(NamedTensors global, List<NamedTensors> updates, List<Double> weights) {
        double total = weights.stream().mapToDouble(Double::doubleValue).sum();
        double[] w = weights.stream().mapToDouble(x -> x / total).toArray();
        NamedTensors layout = updates.get(0);
        NamedTensors out = new NamedTensors();
        double tail = 0;
        int targets = 0;
        for (String name : layout.names()) {
            if (out.contains(name)) {
                continue;
            }
            String partner = partner(name);
            if (partner == null || !layout.contains(partner)) {
                // not one of a pair of LoRA factors: the weighted mean
                out.put(name, mean(updates, w, name));
                continue;
            }
            String nameA = name.endsWith(A_SUFFIX) ? name : partner;
            String nameB = name.endsWith(B_SUFFIX) ? name : partner;
            Target t = factor(global.get(nameA), global.get(nameB), updates, w, nameA, nameB);
            tail += t.tailEnergy();
            targets++;
            // in the layout's order: whichever of the pair came first goes first
            if (name.equals(nameA)) {
                out.put(nameA, t.deltaA()).put(nameB, t.deltaB());
            } else {
                out.put(nameB, t.deltaB()).put(nameA, t.deltaA());
            }
        }
        Map<String, Object> diagnostics = new LinkedHashMap<>();
        diagnostics.put("svdTargets", targets);
        diagnostics.put("svdTailEnergy", targets == 0 ? 0.0 : tail / targets);
        return new Combined(reorder(out, layout), updates.size(), diagnostics);
    }

    private static NamedTensors reorder(NamedTensors out, NamedTensors layout) {
        NamedTensors ordered = new NamedTensors();
        for (String name : layout.names()) {
            ordered.put(name, out.get(name));
        }
        return ordered;
    }

    private static String partner(String name) {
        if (name.endsWith(A_SUFFIX)) {
            return name.substring(0, name.length() - A_SUFFIX.length()) + B_SUFFIX;
        }
        if (name.endsWith(B_SUFFIX)) {
            return name.substring(0, name.length() - B_SUFFIX.length()) + A_SUFFIX;
        }
        return null;
    }

    private static FloatTensor mean(List<NamedTensors> updates, double[] w, String name) {
        FloatTensor first = updates.get(0).get(name);
        double[] sum = new double[first.size()];
        for (int i = 0; i < updates.size(); i++) {
            float[] x = updates.get(i).get(name).data();
            for (int j = 0; j < sum.length; j++) {
                sum[j] += w[i] * x[j];
            }
        }
        float[] m = new float[sum.length];
        for (int j = 0; j < m.length; j++) {
            m[j] = (float) sum[j];
        }
        return new FloatTensor(first.shape(), m);
    }

    /** One target's new factors as changes to the global ones, and the sketch energy beyond rank r. */
    private record Target(FloatTensor deltaA, FloatTensor deltaB, double tailEnergy) {
    }

    /**
     * The clients' factors of one target, {@code A_i} (r x in) and {@code B_i} (out x r), row-major, as the
     * operator {@code M = sum_i w_i B_i A_i}.
     */
    private record Operator(double[][] a, double[][] b, double[] w, int rank, int in, int out) {
        /** M X for X (in x k), row-major: out x k. */
        double[] times(double[] x, int k) {
            double[] y = new double[out * k];
            double[] t = new double[rank * k];
            for (int i = 0; i < w.length; i++) {
                multiply(a[i], rank, in, x, k, t); // t = A_i X
                addTimes(b[i], out, rank, t, k, w[i], y); // y += w_i B_i t
            }
            return y;
        }

        /** M^T Y for Y (out x k): in x k. */
        double[] transposeTimes(double[] y, int k) {
            double[] z = new double[in * k];
            double[] t = new double[rank * k];
            for (int i = 0; i < w.length; i++) {
                multiplyTransposed(b[i], out, rank, y, k, t); // t = B_i^T Y
                addTransposedTimes(a[i], rank, in, t, k, w[i], z); // z += w_i A_i^T t
            }
            return z;
        }

        /** Q^T M for Q (out x k): k x in. */
        double[] leftTimes(double[] q, int k) {
            double[] c = new double[k * in];
            double[] t = new double[k * rank];
            for (int i = 0; i < w.length; i++) {
                // t = Q^T B_i (k x r)
                java.util.Arrays.fill(t, 0);
                for (int row = 0; row < out; row++) {
                    for (int j = 0; j < k; j++) {
                        double qv = q[row * k + j];
                        if (qv == 0) {
                            continue;
                        }
                        for (int s = 0; s < rank; s++) {
                            t[j * rank + s] += qv * b[i][row * rank + s];
                        }
                    }
                }
                // c += w_i t A_i
                for (int j = 0; j < k; j++) {
                    for (int s = 0; s < rank; s++) {
                        double v = w[i] * t[j * rank + s];
                        if (v == 0) {
                            continue;
                        }
                        int off = s * in;
                        for (int col = 0; col < in; col++) {
                            c[j * in + col] += v * a[i][off + col];
                        }
                    }
                }
            }
            return c;
        }
    }

    private Target factor(FloatTensor globalA, FloatTensor globalB, List<NamedTensors> updates, double[] w,
                          String nameA, String nameB) {
        int rank = globalA.shape()[0];
        int in = globalA.shape()[1];
        int out = globalB.shape()[0];
        int n = updates.size();
        double[][] a = new double[n][];
        double[][] b = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = sum(globalA.data(), updates.get(i).get(nameA).data());
            b[i] = sum(globalB.data(), updates.get(i).get(nameB).data());
        }
        Operator m = new Operator(a, b, w, rank, in, out);
        int k = Math.min(rank + oversampling, Math.min(in, out));
        SplittableRandom random = new SplittableRandom(nameA.hashCode() * 0x9E3779B97F4A7C15L);
        double[] omega = new double[in * k];
        for (int i = 0; i < omega.length; i++) {
            omega[i] = gaussian(random);
        }
        double[] y = orthonormalise(m.times(omega, k), out, k);
        for (int p = 0; p < powerIterations; p++) {
            double[] z = orthonormalise(m.transposeTimes(y, k), in, k);
            y = orthonormalise(m.times(z, k), out, k);
        }
        double[] c = m.leftTimes(y, k); // k x in: M ~ Q C
        // C = U S V^T through C C^T = U S^2 U^T (k x k)
        double[][] gram = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = i; j < k; j++) {
                double s = 0;
                for (int col = 0; col < in; col++) {
                    s += c[i * in + col] * c[j * in + col];
                }
                gram[i][j] = gram[j][i] = s;
            }
        }
        EigenDecomposition eigen = new EigenDecomposition(new Array2DRowRealMatrix(gram, false));
        double[] values = eigen.getRealEigenvalues();
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (p, q) -> Double.compare(values[q], values[p]));
        double energy = 0;
        for (double v : values) {
            energy += Math.max(0, v);
        }
        double kept = 0;
        double rowScale = Math.sqrt(squaredNorm(globalA.data()) / rank);
        if (!(rowScale > 0)) {
            rowScale = 1;
        }
        float[] newA = new float[rank * in];
        float[] newB = new float[out * rank];
        double largest = Math.max(0, values[order[0]]);
        for (int j = 0; j < rank; j++) {
            double sigma2 = j < k ? Math.max(0, values[order[j]]) : 0;
            if (j >= k || sigma2 <= 1e-24 * Math.max(largest, Double.MIN_NORMAL) || sigma2 == 0) {
                // M has no more directions: keep the global A's row (so B can still learn on it), B's column zero
                System.arraycopy(globalA.data(), j * in, newA, j * in, in);
                continue;
            }
            kept += sigma2;
            double sigma = Math.sqrt(sigma2);
            double[] u = eigen.getEigenvector(order[j]).toArray(); // k
            // A' row j = c (u^T C) / sigma; B' column j = Q u sigma / c
            for (int col = 0; col < in; col++) {
                double s = 0;
                for (int i = 0; i < k; i++) {
                    s += u[i] * c[i * in + col];
                }
                newA[j * in + col] = (float) (rowScale * s / sigma);
            }
            for (int row = 0; row < out; row++) {
                double s = 0;
                for (int i = 0; i < k; i++) {
                    s += y[row * k + i] * u[i];
                }
                newB[row * rank + j] = (float) (s * sigma / rowScale);
            }
        }
        double tail = energy > 0 ? Math.max(0, 1 - kept / energy) : 0;
        return new Target(new FloatTensor(globalA.shape(), minus(newA, globalA.data())),
                new FloatTensor(globalB.shape(), minus(newB, globalB.data())), tail);
    }

    /**
     * The columns of {@code x} (rows x k, row-major) made orthonormal in place, by modified Gram-Schmidt applied
     * twice (enough for double precision); a column that vanishes against the others becomes zero.
     */
    static double[] orthonormalise(double[] x, int rows, int k) {
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < k; j++) {
                for (int i = 0; i < j; i++) {
                    double dot = 0;
                    for (int r = 0; r < rows; r++) {
                        dot += x[r * k + i] * x[r * k + j];
                    }
                    for (int r = 0; r < rows; r++) {
                        x[r * k + j] -= dot * x[r * k + i];
                    }
                }
                double norm = 0;
                for (int r = 0; r < rows; r++) {
                    norm += x[r * k + j] * x[r * k + j];
                }
                norm = Math.sqrt(norm);
                double scale = norm > 1e-150 ? 1 / norm : 0;
                for (int r = 0; r < rows; r++) {
                    x[r * k + j] *= scale;
                }
            }
        }
        return x;
    }

    /** t (rows x k) = m (rows x inner) x (inner x k). */
    private static void multiply(double[] m, int rows, int inner, double[] x, int k, double[] t) {
        java.util.Arrays.fill(t, 0);
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < inner; s++) {
                double v = m[r * inner + s];
                if (v == 0) {
                    continue;
                }
                for (int j = 0; j < k; j++) {
                    t[r * k + j] += v * x[s * k + j];
                }
            }
        }
    }

    /** y (rows x k) += w m (rows x inner) t (inner x k). */
    private static void addTimes(double[] m, int rows, int inner, double[] t, int k, double w, double[] y) {
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < inner; s++) {
                double v = w * m[r * inner + s];
                if (v == 0) {
                    continue;
                }
                for (int j = 0; j < k; j++) {
                    y[r * k + j] += v * t[s * k + j];
                }
            }
        }
    }

    /** t (cols x k) = m^T y for m (rows x cols), y (rows x k). */
    private static void multiplyTransposed(double[] m, int rows, int cols, double[] y, int k, double[] t) {
        java.util.Arrays.fill(t, 0);
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < cols; s++) {
                double v = m[r * cols + s];
                if (v == 0) {
                    continue;
                }
                for (int j = 0; j < k; j++) {
                    t[s * k + j] += v * y[r * k + j];
                }
            }
        }
    }

    /** z (cols x k) += w m^T t for m (rows x cols), t (rows x k). */
    private static void addTransposedTimes(double[] m, int rows, int cols, double[] t, int k, double w, double[] z) {
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < cols; s++) {
                double v = w * m[r * cols + s];
                if (v == 0) {
                    continue;
                }
                for (int j = 0; j < k; j++) {
                    z[s * k + j] += v * t[r * k + j];
                }
            }
        }
    }

    private static double[] sum(float[] x, float[] d) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (double) x[i] + d[i];
        }
        return out;
    }

    private static float[] minus(float[] x, float[] y) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - y[i];
        }
        return out;
    }

    private static double squaredNorm(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return s;
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller; the sketch needs no more than a seeded Gaussian
        double u = random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
