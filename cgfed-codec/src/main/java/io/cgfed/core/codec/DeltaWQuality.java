package io.cgfed.core.codec;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;

/**
 * How faithfully a reconstruction restores the weight change a LoRA update makes, rather than the
 * factors: per target, {@code dW = s((B + dB)(A + dA) - BA)} with A (r x in) and B (out x r) the global
 * adapter's factors and s the LoRA scale, compared between the true update and its reconstruction;
 * cosine and SNR over every target's dW together. The factors' own cosine can mislead: an error in dA
 * weighs by B, which starts at zero. A factor the update does not hold is unchanged (FFA-LoRA sends B only).
 *
 * <p>dW is never materialised whole: it is computed row by row, and only on {@code maxRowsPerTarget}
 * evenly spaced rows of each target when its output dimension is larger (LLaMA-7B: 4096 x 4096 per
 * target), which makes the figures an estimate over those rows.
 */
public final class DeltaWQuality {
    /**
     * Rows of each target's dW the worker measures by default: all of them up to this output size (LLaMA-7B,
     * r 8 on q, k, v, o: 64 of 4,096 rows a target, about 0.8 GFLOP an update).
     */
    public static final int DEFAULT_ROWS = 64;

    private DeltaWQuality() {
    }

    /** Cosine and SNR (dB) of the reconstructed dW against the true one, and how many dW values were compared. */
    public record Result(double cosine, double snrDb, long values) {
    }

    public static Result of(NamedTensors global, NamedTensors update, NamedTensors reconstruction, double scale,
                            int maxRowsPerTarget) {
        Sums sums = new Sums();
        for (String nameA : global.names()) {
            if (!nameA.endsWith("lora_A.weight")) {
                continue;
            }
            String nameB = nameA.substring(0, nameA.length() - "lora_A.weight".length()) + "lora_B.weight";
            // a factor the update does not hold did not change (FFA-LoRA's frozen A)
            if (!global.names().contains(nameB) || !(update.contains(nameA) || update.contains(nameB))) {
                continue;
            }
            FloatTensor a = global.get(nameA);
            FloatTensor b = global.get(nameB);
            int rank = a.shape()[0];
            int in = a.shape()[1];
            int out = b.shape()[0];
            float[] a0 = a.data();
            float[] b0 = b.data();
            float[] a1 = plus(a0, update, nameA);
            float[] b1 = plus(b0, update, nameB);
            float[] a2 = plus(a0, reconstruction, nameA);
            float[] b2 = plus(b0, reconstruction, nameB);
            int rows = Math.min(out, maxRowsPerTarget);
            double[] base = new double[in];
            double[] truth = new double[in];
            double[] rec = new double[in];
            for (int k = 0; k < rows; k++) {
                int row = (int) ((long) k * out / rows);
                rowTimes(b0, a0, row, rank, in, base);
                rowTimes(b1, a1, row, rank, in, truth);
                rowTimes(b2, a2, row, rank, in, rec);
                for (int j = 0; j < in; j++) {
                    sums.add(scale * (truth[j] - base[j]), scale * (rec[j] - base[j]));
                }
            }
        }
        return sums.result();
    }

    /**
     * How far a round's step moved the weights from where the clients' updates, averaged exactly, would have:
     * per target, the exact mean {@code sum_i w_i s((B + dB_i)(A + dA_i) - BA)} (weights normalised) against the
     * step the round applied, {@code s(B'A' - BA)} with (A', B') the next global adapter. It sees the codec's loss
     * and the aggregation's alike: averaging A and B apart loses the cross terms {@code dB_i dA_i}, which
     * FFA-LoRA (no dA) and lora-svd (factors the mean product) do not. Rows are sampled as in {@link #of}.
     */
    public static Result ofAggregate(NamedTensors global, java.util.List<NamedTensors> updates, double[] weights,
                                     NamedTensors next, double scale, int maxRowsPerTarget) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        Sums sums = new Sums();
        for (String nameA : global.names()) {
            if (!nameA.endsWith("lora_A.weight")) {
                continue;
            }
            String nameB = nameA.substring(0, nameA.length() - "lora_A.weight".length()) + "lora_B.weight";
            if (!global.contains(nameB) || !next.contains(nameA) || !next.contains(nameB)) {
                continue;
            }
            float[] a0 = global.get(nameA).data();
            float[] b0 = global.get(nameB).data();
            int rank = global.get(nameA).shape()[0];
            int in = global.get(nameA).shape()[1];
            int out = global.get(nameB).shape()[0];
            float[][] ai = new float[updates.size()][];
            float[][] bi = new float[updates.size()][];
            for (int c = 0; c < updates.size(); c++) {
                ai[c] = plus(a0, updates.get(c), nameA);
                bi[c] = plus(b0, updates.get(c), nameB);
            }
            float[] a1 = next.get(nameA).data();
            float[] b1 = next.get(nameB).data();
            int rows = Math.min(out, maxRowsPerTarget);
            double[] base = new double[in];
            double[] client = new double[in];
            double[] exact = new double[in];
            double[] step = new double[in];
            for (int k = 0; k < rows; k++) {
                int row = (int) ((long) k * out / rows);
                rowTimes(b0, a0, row, rank, in, base);
                java.util.Arrays.fill(exact, 0);
                for (int c = 0; c < updates.size(); c++) {
                    rowTimes(bi[c], ai[c], row, rank, in, client);
                    double w = weights[c] / total;
                    for (int j = 0; j < in; j++) {
                        exact[j] += w * client[j];
                    }
                }
                rowTimes(b1, a1, row, rank, in, step);
                for (int j = 0; j < in; j++) {
                    sums.add(scale * (exact[j] - base[j]), scale * (step[j] - base[j]));
                }
            }
        }
        return sums.result();
    }

    /** The running sums of a comparison of true values x against their estimates y. */
    private static final class Sums {
        private double dot;
        private double xx;
        private double yy;
        private double ee;
        private long values;

        void add(double x, double y) {
            dot += x * y;
            xx += x * x;
            yy += y * y;
            ee += (x - y) * (x - y);
            values++;
        }

        Result result() {
            double cosine = xx == 0 || yy == 0 ? 0 : dot / Math.sqrt(xx * yy);
            double snr = ee == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(xx / ee);
            return new Result(cosine, snr, values);
        }
    }

    /** {@code out := row of (B A)}: B is out x r, A is r x in, both row-major. */
    private static void rowTimes(float[] b, float[] a, int row, int rank, int in, double[] out) {
        java.util.Arrays.fill(out, 0);
        for (int t = 0; t < rank; t++) {
            double w = b[row * rank + t];
            if (w == 0) {
                continue;
            }
            int off = t * in;
            for (int j = 0; j < in; j++) {
                out[j] += w * a[off + j];
            }
        }
    }

    /** {@code x} plus the change's tensor of that name; x itself when the change does not hold it. */
    private static float[] plus(float[] x, NamedTensors change, String name) {
        if (!change.contains(name)) {
            return x;
        }
        float[] d = change.get(name).data();
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] + d[i];
        }
        return out;
    }
}
