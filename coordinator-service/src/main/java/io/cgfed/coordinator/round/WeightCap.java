package io.cgfed.coordinator.round;

import java.util.Arrays;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The cap on one client's FedAvg weight ({@code cgfed.coordinator.aggregation.max-client-share}, default 1:
 * none). With a share s, every client's weight becomes min(samples, N) for the largest N under which no
 * client holds more than s of the round's total weight; the codec-service applies N as it sums, so the round
 * is still streamed. Where s x clients <= 1 no cap short of equal weights can hold, and the weights are equal.
 * The shard bound already refuses a client that claims more samples than its shard holds; this caps an honest
 * client whose shard is large, so that one site cannot steer the global adapter alone.
 */
@Component
public class WeightCap {
    private final double maxShare;

    @Autowired
    WeightCap(io.cgfed.coordinator.CoordinatorProperties properties) {
        this(properties.aggregation().maxClientShare());
    }

    WeightCap(double maxShare) {
        if (!(maxShare > 0 && maxShare <= 1)) {
            throw new IllegalArgumentException("cgfed.coordinator.aggregation.max-client-share must be in (0, 1] (1: no cap), not "
                    + maxShare);
        }
        this.maxShare = maxShare;
    }

    /** The samples cap N for a round's accepted sample counts, or {@link Long#MAX_VALUE} where none is needed. */
    public long samplesCap(long[] samples) {
        return cap(samples, maxShare);
    }

    static long cap(long[] samples, double share) {
        int m = samples.length;
        if (m == 0 || share >= 1) {
            return Long.MAX_VALUE;
        }
        long[] n = samples.clone();
        Arrays.sort(n);
        double total = 0;
        for (long v : n) {
            total += v;
        }
        if (n[m - 1] <= share * total) {
            return Long.MAX_VALUE;
        }
        // cap the c largest at N: N = s (sum of the others + c N), so N = s S / (1 - s c), valid where it lies
        // between the largest uncapped count and the smallest capped one
        double below = total;
        for (int c = 1; c < m && share * c < 1; c++) {
            below -= n[m - c];
            double cap = share * below / (1 - share * c);
            if (cap >= n[m - c - 1] && cap <= n[m - c]) {
                return Math.max(1, (long) Math.floor(cap));
            }
        }
        return n[0]; // s x clients <= 1: equal weights are the nearest
    }
}
