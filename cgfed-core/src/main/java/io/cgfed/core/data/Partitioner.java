package io.cgfed.core.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Splits a dataset across clients, deterministically under a seed. */
public final class Partitioner {
    private Partitioner() {
    }

    /** IID: a seeded shuffle dealt round-robin; client {@code index} of {@code clients} gets its share. */
    public static <T> List<T> iid(List<T> pool, int clients, int index, long seed) {
        if (clients <= 0 || index < 0 || index >= clients) {
            throw new IllegalArgumentException("client index " + index + " is not in [0, " + clients + ")");
        }
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
}
