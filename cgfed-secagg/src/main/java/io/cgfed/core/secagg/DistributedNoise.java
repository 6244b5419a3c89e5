package io.cgfed.core.secagg;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import org.apache.commons.math3.special.Gamma;

/**
 * Distributed differential privacy under secure aggregation (Kairouz, Liu and Steinke, ICML 2021; Agarwal, Kairouz
 * and Liu, NeurIPS 2021): each of the n clients adds to its quantised levels integer noise from the Skellam
 * distribution Sk(mu) = Poisson(mu) - Poisson(mu), of variance 2 mu, with 2 mu = (sigma C / step)^2 / n; the sum of
 * the n clients' noise is Sk(n mu), of standard deviation sigma C in the values' units, what the central Gaussian
 * mechanism with noise multiplier sigma adds for an L2 sensitivity C (each client's update clipped to C). The
 * server sees only that sum. Skellam is symmetric and closed under sums, and its Rényi DP is within a small
 * term of the Gaussian's for means as large as these (Agarwal et al., Theorem 3.5); the accountant here takes the
 * Gaussian's, which this approximates. When clients drop out their noise is missing: the sum's multiplier is
 * sigma sqrt(survivors / n) ({@link #effectiveSigma}), and the coordinator accounts with that.
 *
 * <p>Poisson variates come from Hörmann's PTRS (transformed rejection with squeeze, 1993), exact and O(1) for
 * large means, written here because commons-math's sampler took minutes for the 10^5 to 10^8 means these levels
 * need (measured: a 20,000-value test did not finish in 10 minutes); small means use Knuth's multiplication method.
 * The uniforms come from a generator seeded by the JDK's {@link SecureRandom}: no party, the client's worker
 * included, can reproduce the noise.
 */
public final class DistributedNoise {
    /** The largest Poisson mean the sampler's int results hold with room for its tail. */
    public static final double MAX_MU = 1e9;

    private DistributedNoise() {
    }

    /** The Skellam parameter mu for each of {@code clients} clients, in level units. */
    public static double mu(double sigma, double clipNorm, double step, int clients) {
        double levels = sigma * clipNorm / step;
        return levels * levels / (2.0 * clients);
    }

    /**
     * The largest magnitude a round's sum of levels reaches: n clients' levels of {@code bits} bits, plus ten
     * standard deviations of the summed noise (sigma 0: none).
     */
    public static long maxAbsSum(int bits, double clipRange, double sigma, double clipNorm, int clients) {
        long top = (1L << (bits - 1)) - 1;
        double noise = 0;
        if (sigma > 0) {
            double mu = mu(sigma, clipNorm, new Quantiser(clipRange, bits).step(), clients);
            noise = 10 * Math.sqrt(2 * mu * clients);
        }
        return (long) Math.ceil(clients * (double) top + noise);
    }

    /** The multiplier the sum carries when only {@code survivors} of {@code clients} added their share. */
    public static double effectiveSigma(double sigma, int survivors, int clients) {
        return sigma * Math.sqrt((double) survivors / clients);
    }

    /** {@code levels[i] += Sk(mu)}, modulo 2^32. */
    public static void add(int[] levels, double mu, SecureRandom random) {
        if (!(mu > 0) || mu > MAX_MU) {
            throw new SecAggException("Skellam mean " + mu + " is out of (0, " + MAX_MU + "]: widen the levels (bits) or "
                    + "their range (clipRange)");
        }
        SplittableRandom uniform = new SplittableRandom(random.nextLong());
        for (int i = 0; i < levels.length; i++) {
            levels[i] += (int) (poisson(mu, uniform) - poisson(mu, uniform));
        }
    }

    /** One Poisson(lambda) variate. */
    static long poisson(double lambda, SplittableRandom u) {
        if (lambda < 10) {
            double limit = Math.exp(-lambda);
            double p = u.nextDouble();
            long k = 0;
            while (p > limit) {
                p *= u.nextDouble();
                k++;
            }
            return k;
        }
        // PTRS (Hörmann 1993, "The transformed rejection method for generating Poisson random variables")
        double slam = Math.sqrt(lambda);
        double logLambda = Math.log(lambda);
        double b = 0.931 + 2.53 * slam;
        double a = -0.059 + 0.02483 * b;
        double invAlpha = 1.1239 + 1.1328 / (b - 3.4);
        double vr = 0.9277 - 3.6224 / (b - 2);
        while (true) {
            double uu = u.nextDouble() - 0.5;
            double v = u.nextDouble();
            double us = 0.5 - Math.abs(uu);
            long k = (long) Math.floor((2 * a / us + b) * uu + lambda + 0.43);
            if (us >= 0.07 && v <= vr) {
                return k;
            }
            if (k < 0 || (us < 0.013 && v > us)) {
                continue;
            }
            if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b)
                    <= -lambda + k * logLambda - Gamma.logGamma(k + 1.0)) {
                return k;
            }
        }
    }
}
