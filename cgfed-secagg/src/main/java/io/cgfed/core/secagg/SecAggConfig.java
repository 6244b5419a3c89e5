package io.cgfed.core.secagg;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * What every party of one secure aggregation knows before it starts: the selected clients, the neighbour degree
 * k, the threshold t (shares of a client's secrets needed to rebuild them, at most k), the length of the vectors
 * summed, and the round's context (experiment and round), which seeds the graph and is bound into every
 * ciphertext and mask.
 */
public record SecAggConfig(List<Integer> clients, int degree, int threshold, int length, byte[] context) {
    public SecAggConfig {
        clients = List.copyOf(clients);
        if (clients.size() < 2) {
            throw new SecAggException("secure aggregation needs at least 2 clients, got " + clients.size());
        }
        int k = Math.min(degree, clients.size() - 1);
        if (degree < 1) {
            throw new SecAggException("neighbours must be at least 1, got " + degree);
        }
        if (threshold < 1 || threshold > k) {
            throw new SecAggException("threshold must be in [1, " + k + "] (the neighbours each client shares with), got "
                    + threshold);
        }
        if (length < 1) {
            throw new SecAggException("the vector length must be positive, got " + length);
        }
        context = context.clone();
    }

    /** With SecAgg+'s defaults: degree {@link NeighbourGraph#defaultDegree}, threshold a majority of it. */
    public static SecAggConfig withDefaults(List<Integer> clients, int length, byte[] context) {
        int k = NeighbourGraph.defaultDegree(clients.size());
        return new SecAggConfig(clients, k, defaultThreshold(k), length, context);
    }

    /** A majority of the neighbours: floor(k / 2) + 1. */
    public static int defaultThreshold(int degree) {
        return degree / 2 + 1;
    }

    public NeighbourGraph graph() {
        return NeighbourGraph.of(clients, degree, context);
    }

    /** The associated data of a sealed share from one client to another. */
    byte[] shareContext(int from, int to) {
        return ByteBuffer.allocate(context.length + 12).put(context).putInt(from).putInt(to).putInt(1).array();
    }

    /** The info label of a pair's mask seed. */
    byte[] pairLabel() {
        byte[] label = "cgfed secagg pair mask v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(label.length + context.length).put(label).put(context).array();
    }
}
