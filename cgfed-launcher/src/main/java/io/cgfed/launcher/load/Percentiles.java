package io.cgfed.launcher.load;

import java.util.Arrays;

/**
 * Order statistics of a sample by the nearest-rank method: the p-th percentile is the smallest value
 * with at least p % of the sample at or below it (p50 of 1..100 is 50, p99 is 99, p100 the maximum).
 * No interpolation, so every reported value is one that was measured.
 */
public final class Percentiles {
    private final long[] sorted;

    public Percentiles(long[] values) {
        this.sorted = values.clone();
        Arrays.sort(sorted);
    }

    public int count() {
        return sorted.length;
    }

    /** The nearest-rank percentile, 0 < p <= 100; the sample must not be empty. */
    public long percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        if (sorted.length == 0) {
            throw new IllegalStateException("no values");
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length - 1e-9);
        return sorted[Math.max(1, rank) - 1];
    }

    public long min() {
        if (sorted.length == 0) {
            throw new IllegalStateException("no values");
        }
        return sorted[0];
    }

    public long max() {
        return percentile(100);
    }

    public double mean() {
        if (sorted.length == 0) {
            throw new IllegalStateException("no values");
        }
        double sum = 0;
        for (long v : sorted) {
            sum += v;
        }
        return sum / sorted.length;
    }
}
