package io.cgfed.core.secagg;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * SecAgg+'s communication graph (Bell et al. 2020, section 3): each client shares keys with, and masks against,
 * only its k neighbours, so a round costs O(n k) = O(n log n) rather than SecAgg's O(n^2). The graph is the
 * Harary graph H(k, n) (each client adjacent to the k/2 nearest on either side of a ring) over a random
 * permutation of the clients, drawn from a seed every party derives from the round's context: no client chooses
 * its neighbours, and the server cannot pick them either. With k >= n - 1 it is the complete graph (SecAgg).
 */
public final class NeighbourGraph {
    private final Map<Integer, Set<Integer>> neighbours;

    private NeighbourGraph(Map<Integer, Set<Integer>> neighbours) {
        this.neighbours = neighbours;
    }

    /**
     * The default degree for n clients: {@code min(n - 1, 2 ceil(1.5 log2 n))}, O(log n) as SecAgg+ proposes (the
     * constant 1.5 keeps the chance that an honest neighbourhood is split by dropouts small for the sizes cgfed
     * runs; k = 10 of 10 is complete, 18 of 50, 24 of 200).
     */
    public static int defaultDegree(int n) {
        if (n <= 1) {
            return 0;
        }
        int half = (int) Math.ceil(1.5 * Math.log(n) / Math.log(2));
        return Math.min(n - 1, 2 * half);
    }

    /**
     * @param clients the round's clients (distinct ids)
     * @param degree  k: at least 1; an odd k below n - 1 is rounded up to even (the Harary graph's ring)
     * @param context the round's context, from which the permutation is drawn
     */
    public static NeighbourGraph of(List<Integer> clients, int degree, byte[] context) {
        List<Integer> ids = new ArrayList<>(new TreeSet<>(clients));
        if (ids.size() != clients.size()) {
            throw new SecAggException("clients must be distinct: " + clients);
        }
        int n = ids.size();
        if (degree < 1 && n > 1) {
            throw new SecAggException("the neighbour degree must be at least 1, got " + degree);
        }
        Map<Integer, Set<Integer>> out = new HashMap<>();
        ids.forEach(c -> out.put(c, new TreeSet<>()));
        if (degree >= n - 1) {
            for (int a : ids) {
                for (int b : ids) {
                    if (a != b) {
                        out.get(a).add(b);
                    }
                }
            }
            return new NeighbourGraph(out);
        }
        int half = (degree + 1) / 2;
        List<Integer> ring = new ArrayList<>(ids);
        Collections.shuffle(ring, new Random(seed(context)));
        for (int p = 0; p < n; p++) {
            for (int d = 1; d <= half; d++) {
                int a = ring.get(p);
                int b = ring.get((p + d) % n);
                out.get(a).add(b);
                out.get(b).add(a);
            }
        }
        return new NeighbourGraph(out);
    }

    /** The neighbours of a client of the graph. */
    public Set<Integer> of(int client) {
        Set<Integer> n = neighbours.get(client);
        if (n == null) {
            throw new SecAggException("client " + client + " is not in the round's graph");
        }
        return Collections.unmodifiableSet(n);
    }

    public boolean adjacent(int a, int b) {
        return of(a).contains(b);
    }

    public Set<Integer> clients() {
        return Collections.unmodifiableSet(new TreeSet<>(neighbours.keySet()));
    }

    private static long seed(byte[] context) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(context);
            return ByteBuffer.wrap(h).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
