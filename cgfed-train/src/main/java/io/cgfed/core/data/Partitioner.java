package io.cgfed.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Splits a dataset across clients, deterministically under a seed: the same pool, seed and
 * settings give the same shards on every machine, so a worker derives its own shard and nothing is
 * sent.
 *
 * <ul>
 *   <li>{@link #iid}: a seeded shuffle dealt round-robin; shard sizes differ by at most one.</li>
 *   <li>{@link #dirichlet}: label skew after Hsu et al. (2019), as FedIT and most federated
 *   benchmarks use it. For each category (in sorted order) the examples of that category are
 *   shuffled, proportions {@code p ~ Dir(alpha, ..., alpha)} over the clients are drawn (each
 *   {@code p_j} a Gamma(alpha, 1) draw divided by their sum; Gamma by Marsaglia and Tsang, with the
 *   {@code U^(1/alpha)} boost below 1, in log space so that small alphas do not underflow), the
 *   category's {@code n} examples are split into counts {@code floor(p_j n)} plus one for the
 *   largest remainders (ties to the lower client), and dealt in client order. Small alpha (0.1)
 *   gives each client a few dominant categories; large alpha (1000) approaches IID. Then, when the
 *   pool has at least as many examples as clients, every empty client takes one example from the
 *   currently largest shard (ties to the lower client; its last example in category order).
 *   Shards keep the pool's order.</li>
 *   <li>{@link #split}: the D1/D2 split: D1 ({@code round(fraction x n)} examples, the server's
 *   TGAP share) and D2 (the rest, the federated share that the client shards divide), by a seeded
 *   shuffle; both keep the pool's order.</li>
 * </ul>
 */
public final class Partitioner {
    public static final String IID = "iid";
    public static final String DIRICHLET = "dirichlet";

    private Partitioner() {
    }

    /** The two parts of {@link #split}: D1, the server's (TGAP) share, and D2, the federated share. */
    public record Split<T>(List<T> d1, List<T> d2) {
    }

    /** IID: a seeded shuffle dealt round-robin; client {@code index} of {@code clients} gets its share. */
    public static <T> List<T> iid(List<T> pool, int clients, int index, long seed) {
        checkIndex(clients, index);
        int[] order = permutation(pool.size(), seed);
        List<T> shard = new ArrayList<>();
        for (int i = index; i < order.length; i += clients) {
            shard.add(pool.get(order[i]));
        }
        return shard;
    }

    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** All clients' shards under {@link #iid}. */
    public static <T> List<List<T>> iidShards(List<T> pool, int clients, long seed) {
        List<List<T>> out = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            out.add(iid(pool, clients, c, seed));
        }
        return out;
    }

    /** Client {@code index}'s shard under Dirichlet(alpha) label skew over {@code categoryOf}; see the class comment. */
    public static <T> List<T> dirichlet(List<T> pool, Function<? super T, String> categoryOf, int clients, int index,
                                        double alpha, long seed) {
        checkIndex(clients, index);
        return dirichletShards(pool, categoryOf, clients, alpha, seed).get(index);
    }

    /** All clients' shards under Dirichlet(alpha) label skew; see the class comment. */
    public static <T> List<List<T>> dirichletShards(List<T> pool, Function<? super T, String> categoryOf, int clients,
                                                    double alpha, long seed) {
        if (clients <= 0) {
            throw new IllegalArgumentException("clients must be positive, not " + clients);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("Dirichlet alpha must be positive and finite, not " + alpha);
        }
        Map<String, List<Integer>> byCategory = new TreeMap<>();
        for (int i = 0; i < pool.size(); i++) {
            byCategory.computeIfAbsent(categoryOf.apply(pool.get(i)), k -> new ArrayList<>()).add(i);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<List<Integer>> shards = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            shards.add(new ArrayList<>());
        }
        for (List<Integer> members : byCategory.values()) {
            int[] order = permutation(members.size(), random.nextLong());
            int[] counts = apportion(dirichletSample(alpha, clients, random), members.size());
            int next = 0;
            for (int c = 0; c < clients; c++) {
                for (int k = 0; k < counts[c]; k++) {
                    shards.get(c).add(members.get(order[next++]));
                }
            }
        }
        if (pool.size() >= clients) {
            for (int c = 0; c < clients; c++) {
                if (shards.get(c).isEmpty()) {
                    int donor = 0;
                    for (int d = 1; d < clients; d++) {
                        if (shards.get(d).size() > shards.get(donor).size()) {
                            donor = d;
                        }
                    }
                    List<Integer> from = shards.get(donor);
                    shards.get(c).add(from.remove(from.size() - 1));
                }
            }
        }
        List<List<T>> out = new ArrayList<>(clients);
        for (List<Integer> shard : shards) {
            Collections.sort(shard);
            List<T> items = new ArrayList<>(shard.size());
            for (int i : shard) {
                items.add(pool.get(i));
            }
            out.add(items);
        }
        return out;
    }

    /** D1 (the first {@code round(d1Fraction x n)} of a seeded shuffle) and D2 (the rest), each in pool order. */
    public static <T> Split<T> split(List<T> pool, double d1Fraction, long seed) {
        if (!(d1Fraction >= 0 && d1Fraction <= 1)) {
            throw new IllegalArgumentException("the D1 fraction must be in [0, 1], not " + d1Fraction);
        }
        int n = pool.size();
        int d1Size = (int) Math.round(d1Fraction * n);
        int[] order = permutation(n, seed);
        boolean[] inD1 = new boolean[n];
        for (int i = 0; i < d1Size; i++) {
            inD1[order[i]] = true;
        }
        List<T> d1 = new ArrayList<>(d1Size);
        List<T> d2 = new ArrayList<>(n - d1Size);
        for (int i = 0; i < n; i++) {
            (inD1[i] ? d1 : d2).add(pool.get(i));
        }
        return new Split<>(d1, d2);
    }

    /**
     * Client {@code index}'s shard under a scheme by name: {@code iid}, or {@code dirichlet:ALPHA}
     * (also {@code dirichlet(ALPHA)}), e.g. {@code dirichlet:0.5}.
     */
    public static <T> List<T> shard(String scheme, List<T> pool, Function<? super T, String> categoryOf, int clients,
                                    int index, long seed) {
        double alpha = parseScheme(scheme);
        return Double.isNaN(alpha) ? iid(pool, clients, index, seed)
                : dirichlet(pool, categoryOf, clients, index, alpha, seed);
    }

    /**
     * Checks a scheme name; returns the Dirichlet alpha, or NaN for IID.
     *
     * @throws IllegalArgumentException for an unknown scheme or a bad alpha
     */
    public static double parseScheme(String scheme) {
        String s = scheme == null ? "" : scheme.strip().toLowerCase(Locale.ROOT);
        if (s.equals(IID)) {
            return Double.NaN;
        }
        String arg = null;
        if (s.startsWith(DIRICHLET + ":")) {
            arg = s.substring(DIRICHLET.length() + 1);
        } else if (s.startsWith(DIRICHLET + "(") && s.endsWith(")")) {
            arg = s.substring(DIRICHLET.length() + 1, s.length() - 1);
        }
        if (arg == null) {
            throw new IllegalArgumentException("unknown partition '" + scheme + "' (known: iid, dirichlet:ALPHA)");
        }
        double alpha;
        try {
            alpha = Double.parseDouble(arg.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("partition '" + scheme + "': alpha is not a number");
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("partition '" + scheme + "': alpha must be positive and finite");
        }
        return alpha;
    }

    private static void checkIndex(int clients, int index) {
        if (clients <= 0 || index < 0 || index >= clients) {
            throw new IllegalArgumentException("client index " + index + " is not in [0, " + clients + ")");
        }
    }

    /** {@code n} split by proportions {@code p} (summing to one): floors, then one more to the largest remainders. */
    static int[] apportion(double[] p, int n) {
        int[] counts = new int[p.length];
        double[] remainder = new double[p.length];
        int given = 0;
        for (int j = 0; j < p.length; j++) {
            double exact = p[j] * n;
            counts[j] = (int) Math.floor(exact);
            remainder[j] = exact - counts[j];
            given += counts[j];
        }
        while (given < n) {
            int best = 0;
            for (int j = 1; j < p.length; j++) {
                if (remainder[j] > remainder[best]) {
                    best = j;
                }
            }
            counts[best]++;
            remainder[best] = -1;
            given++;
        }
        return counts;
    }

    /** A draw from the symmetric Dirichlet(alpha) over {@code k} parts. */
    static double[] dirichletSample(double alpha, int k, SplittableRandom random) {
        double[] logs = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            logs[j] = logGamma(alpha, random);
            max = Math.max(max, logs[j]);
        }
        double sum = 0;
        double[] p = new double[k];
        for (int j = 0; j < k; j++) {
            p[j] = Math.exp(logs[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < k; j++) {
            p[j] /= sum;
        }
        return p;
    }

    /**
     * The logarithm of a Gamma(shape, 1) draw: Marsaglia and Tsang (2000) for shape >= 1; below 1,
     * Gamma(shape + 1) x U^(1/shape), added in log space.
     */
    static double logGamma(double shape, SplittableRandom random) {
        if (shape < 1) {
            return logGamma(shape + 1, random) + Math.log(1 - random.nextDouble()) / shape;
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = normal(random);
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = 1 - random.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return Math.log(d * v);
            }
        }
    }

    /** A standard normal draw (Box-Muller). */
    private static double normal(SplittableRandom random) {
        double u1 = 1 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
