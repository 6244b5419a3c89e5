package io.cgfed.coordinator.round;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The guard every aggregation rule gets: which of a round's accepted updates stay out of its aggregate
 * because their L2 norm (measured on the decoded update when it was accepted) is far outside the round's.
 * An update is quarantined when its norm
 * <ul>
 *   <li>is above {@code cgfed.coordinator.quarantine.max-norm} (an absolute cap; 0, the default, sets none), or</li>
 *   <li>with at least three updates in the round, lies more than {@code mad-factor} (default 10) robust
 *       standard deviations above the round's median norm: median + k x 1.4826 x max(MAD, median / 10).
 *       The median absolute deviation (MAD) ignores the outliers it is looking for, up to half the round;
 *       the floor of a tenth of the median keeps rounds of near-identical norms from quarantining an honest
 *       update that is merely twice as large (with k = 10 nothing under 2.5 times the median is touched).</li>
 * </ul>
 * This stops a client that sends an update of absurd magnitude (the probe's values of 60,000); it does not
 * stop one that stays within the honest spread, nor a colluding majority: the robust aggregation rules
 * (median, trimmed mean, Krum) of the strategies issue are for that.
 */
@Component
public class UpdateQuarantine {
    static final int MIN_FOR_MAD = 3;
    private final double madFactor;
    private final double maxNorm;

    @Autowired
    UpdateQuarantine(io.cgfed.coordinator.CoordinatorProperties properties) {
        this(properties.quarantine().madFactor(), properties.quarantine().maxNorm());
    }

    UpdateQuarantine(double madFactor, double maxNorm) {
        if (!(madFactor > 0) || Double.isInfinite(madFactor)) {
            throw new IllegalArgumentException("cgfed.coordinator.quarantine.mad-factor must be positive and finite, not "
                    + madFactor);
        }
        if (!(maxNorm >= 0)) {
            throw new IllegalArgumentException("cgfed.coordinator.quarantine.max-norm must be >= 0 (0: no cap), not " + maxNorm);
        }
        this.madFactor = madFactor;
        this.maxNorm = maxNorm;
    }

    /**
     * The reason each quarantined update is left out, by client, for the round's norms by client (a null
     * norm, from before norms were kept, is never quarantined).
     */
    public Map<Integer, String> reasons(Map<Integer, Double> normsByClient) {
        Map<Integer, String> out = new LinkedHashMap<>();
        double[] norms = normsByClient.values().stream().filter(n -> n != null).mapToDouble(Double::doubleValue).toArray();
        double median = median(norms);
        double limit = Double.POSITIVE_INFINITY;
        if (norms.length >= MIN_FOR_MAD) {
            double[] deviations = Arrays.stream(norms).map(n -> Math.abs(n - median)).toArray();
            double scale = 1.4826 * Math.max(median(deviations), median / 10);
            limit = median + madFactor * scale;
        }
        for (var e : normsByClient.entrySet()) {
            Double n = e.getValue();
            if (n == null) {
                continue;
            }
            if (!Double.isFinite(n)) {
                out.put(e.getKey(), "update norm " + n + " is not finite");
            } else if (maxNorm > 0 && n > maxNorm) {
                out.put(e.getKey(), String.format(Locale.ROOT, "update norm %.4g is above the cap of %.4g "
                        + "(cgfed.coordinator.quarantine.max-norm)", n, maxNorm));
            } else if (n > limit) {
                out.put(e.getKey(), String.format(Locale.ROOT, "update norm %.4g is more than %.3g robust deviations "
                        + "above the round's median of %.4g (limit %.4g)", n, madFactor, median, limit));
            }
        }
        return out;
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }
}
