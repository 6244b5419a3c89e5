package io.cgfed.core.aggregation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Krum and Multi-Krum (Blanchard et al., NeurIPS 2017): each update is scored by the summed squared distances
 * to its n - f - 2 nearest others, where f is the number of Byzantine clients tolerated; Krum takes the
 * update of the lowest score, Multi-Krum the sample-weighted mean of the {@code keep} lowest (ties to the
 * lower client index, so the choice is deterministic). The guarantee needs n > 2f + 2 updates, which the
 * spec check asks of the round's quorum; a round that ends with fewer (updates quarantined) still scores each
 * update against at least one other and says so in its diagnostics ({@code belowTolerance}).
 */
public final class KrumRule implements AggregationRule {
    private final String name;
    private final int byzantine;
    private final int keep;

    /** keep = 1: Krum; keep = 0: n - f (Multi-Krum's usual choice); otherwise that many, at most n. */
    public KrumRule(String name, int byzantine, int keep) {
        if (byzantine < 0 || keep < 0) {
            throw new IllegalArgumentException("byzantine and keep must be >= 0");
        }
        this.name = name;
        this.byzantine = byzantine;
        this.keep = keep;
    }

    /** The fewest updates for which Krum's guarantee holds: 2f + 3. */
    public static int minUpdates(int byzantine) {
        return 2 * byzantine + 3;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean streaming() {
        return false;
    }

    @Override
    public Combiner start() {
        return HeldUpdates.combiner(this::choose);
    }

    private Combined choose(HeldUpdates held) {
        int n = held.size();
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                d[i][j] = d[j][i] = squaredDistance(held.values(i), held.values(j));
            }
        }
        int neighbours = Math.max(1, n - byzantine - 2);
        double[] score = new double[n];
        for (int i = 0; i < n; i++) {
            double[] others = new double[n - 1];
            for (int j = 0, k = 0; j < n; j++) {
                if (j != i) {
                    others[k++] = d[i][j];
                }
            }
            Arrays.sort(others);
            for (int k = 0; k < Math.min(neighbours, others.length); k++) {
                score[i] += others[k];
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> score[i]).thenComparingInt(held::client));
        int m = keep == 0 ? Math.max(1, n - byzantine) : Math.min(keep, n);
        FedAvg.Sum sum = new FedAvg.Sum();
        List<Integer> chosen = new ArrayList<>();
        for (int r = 0; r < m; r++) {
            int i = order[r];
            sum.add(held.unflatten(held.values(i)), held.weight(i));
            chosen.add(held.client(i));
        }
        Map<String, Object> diagnostics = new LinkedHashMap<>();
        diagnostics.put("chosenClients", chosen.stream().sorted().toList());
        diagnostics.put("byzantine", byzantine);
        diagnostics.put("belowTolerance", n < minUpdates(byzantine));
        return new Combined(sum.average(), n, diagnostics);
    }

    private static double squaredDistance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double x = (double) a[i] - b[i];
            s += x * x;
        }
        return s;
    }
}
