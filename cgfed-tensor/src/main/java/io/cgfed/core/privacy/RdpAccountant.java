package io.cgfed.core.privacy;

/**
 * Privacy accounting for repeated releases of the Gaussian mechanism through Rényi differential
 * privacy (Mironov 2017): one release with noise multiplier sigma (noise std / L2 sensitivity) is
 * (alpha, alpha / (2 sigma^2))-RDP; T releases compose to T times that; and (alpha, r)-RDP gives
 * (r + ln(1/delta) / (alpha - 1), delta)-DP, minimised over alpha. No amplification by client
 * subsampling is claimed, so the epsilon is an upper bound for any participation pattern.
 */
public final class RdpAccountant {
    private static final double[] ORDERS = orders();

    private RdpAccountant() {
    }

    /** Epsilon after {@code releases} Gaussian releases with noise multiplier sigma, at delta. */
    public static double epsilon(double sigma, int releases, double delta) {
        if (!(sigma > 0) || releases < 0 || !(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("need sigma > 0, releases >= 0, 0 < delta < 1");
        }
        if (releases == 0) {
            return 0;
        }
        double best = Double.POSITIVE_INFINITY;
        for (double alpha : ORDERS) {
            double eps = releases * alpha / (2 * sigma * sigma) + Math.log(1 / delta) / (alpha - 1);
            best = Math.min(best, eps);
        }
        return best;
    }

    /**
     * Epsilon after one Gaussian release per entry of {@code sigmas}, each with its own noise multiplier (RDP
     * composes by addition): distributed DP under secure aggregation, where a round's multiplier falls with the
     * clients that dropped out (their noise shares are missing from the sum).
     */
    public static double epsilon(double[] sigmas, double delta) {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("need 0 < delta < 1");
        }
        if (sigmas.length == 0) {
            return 0;
        }
        double inverseSquares = 0;
        for (double s : sigmas) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("need sigma > 0, got " + s);
            }
            inverseSquares += 1 / (s * s);
        }
        double best = Double.POSITIVE_INFINITY;
        for (double alpha : ORDERS) {
            best = Math.min(best, alpha * inverseSquares / 2 + Math.log(1 / delta) / (alpha - 1));
        }
        return best;
    }

    /** The smallest noise multiplier whose epsilon after {@code releases} stays within the target. */
    public static double sigmaFor(double targetEpsilon, int releases, double delta) {
        if (!(targetEpsilon > 0)) {
            throw new IllegalArgumentException("target epsilon must be positive");
        }
        double lo = 1e-3;
        double hi = 1e4;
        if (epsilon(hi, releases, delta) > targetEpsilon) {
            throw new IllegalArgumentException("epsilon " + targetEpsilon + " is out of reach for " + releases + " releases");
        }
        for (int i = 0; i < 200; i++) {
            double mid = Math.sqrt(lo * hi);
            if (epsilon(mid, releases, delta) > targetEpsilon) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    private static double[] orders() {
        double[] o = new double[200];
        for (int i = 0; i < o.length; i++) {
            o[i] = 1.01 + i * i * 0.01; // dense near 1, up to about 397
        }
        return o;
    }
}
