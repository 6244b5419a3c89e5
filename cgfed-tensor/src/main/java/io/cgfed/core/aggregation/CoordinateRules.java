package io.cgfed.core.aggregation;

import java.util.Arrays;
import java.util.Map;

/**
 * The coordinate-wise robust rules: every parameter is combined on its own across the round's updates,
 * unweighted (a client's sample count would let one claim to outweigh the rest, which these rules exist to
 * stop). {@link #median}: the middle value (the mean of the two middle ones for an even count); {@link
 * #trimmedMean}: the mean after the k = floor(trim x n) smallest and k largest values are dropped (Yin et
 * al., ICML 2018). Both are invariant to the order of the clients.
 */
public final class CoordinateRules {
    private CoordinateRules() {
    }

    public static AggregationRule median() {
        return new Rule("median", 0.0, true);
    }

    /** trim in [0, 0.5): the share of updates dropped at each end, per coordinate. */
    public static AggregationRule trimmedMean(double trim) {
        if (!(trim >= 0) || !(trim < 0.5)) {
            throw new IllegalArgumentException("trim fraction must be in [0, 0.5), got " + trim);
        }
        return new Rule("trimmed-mean", trim, false);
    }

    private record Rule(String name, double trim, boolean median) implements AggregationRule {
        @Override
        public boolean streaming() {
            return false;
        }

        @Override
        public Combiner start() {
            return HeldUpdates.combiner(this::combine);
        }

        private Combined combine(HeldUpdates held) {
            int n = held.size();
            int k = median ? 0 : (int) Math.floor(trim * n);
            float[] out = new float[held.length()];
            double[] column = new double[n];
            for (int i = 0; i < out.length; i++) {
                for (int c = 0; c < n; c++) {
                    column[c] = held.values(c)[i];
                }
                Arrays.sort(column);
                out[i] = (float) (median ? middle(column) : meanOf(column, k, n - k));
            }
            Map<String, Object> diagnostics = median ? Map.of()
                    : Map.of("trimmedPerSide", k, "trimmedShare", n == 0 ? 0.0 : 2.0 * k / n);
            return new Combined(held.unflatten(out), n, diagnostics);
        }
    }

    private static double middle(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double meanOf(double[] sorted, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += sorted[i];
        }
        return sum / (to - from);
    }
}
