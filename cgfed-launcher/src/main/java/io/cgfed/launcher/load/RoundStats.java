package io.cgfed.launcher.load;

import java.util.List;

/** What one round's uploads did, from the workers' side. */
record RoundStats(int round, int accepted, int attempts, double windowSeconds, long acceptedBytes, Percentiles latency,
                  long lastAcceptNanos, long firstSentNanos) {
    double uploadsPerSecond() {
        return accepted / windowSeconds;
    }

    double bytesPerSecond() {
        return acceptedBytes / windowSeconds;
    }

    /** Round {@code round}'s stats from every upload attempt of the run. */
    static RoundStats of(int round, List<SimulatedFleet.Upload> all) {
        List<SimulatedFleet.Upload> mine = all.stream().filter(u -> u.round() == round).toList();
        List<SimulatedFleet.Upload> ok = mine.stream().filter(SimulatedFleet.Upload::accepted).toList();
        long first = mine.stream().mapToLong(SimulatedFleet.Upload::sentNanos).min().orElse(0);
        long last = ok.stream().mapToLong(SimulatedFleet.Upload::doneNanos).max().orElse(first);
        long bytes = ok.stream().mapToLong(SimulatedFleet.Upload::bytes).sum();
        long[] latencies = ok.stream().mapToLong(SimulatedFleet.Upload::latencyNanos).toArray();
        return new RoundStats(round, ok.size(), mine.size(), Math.max(1e-9, (last - first) / 1e9), bytes,
                new Percentiles(latencies), last, first);
    }
}
