package io.cgfed.launcher.load;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the simulated fleet observed, safe to add to from any callback thread: every upload attempt, task
 * arrival and adapter download, a count of each outcome by endpoint and status (or transport error), and the
 * most long polls held open at once.
 */
final class FleetObservations {
    private final ConcurrentLinkedQueue<SimulatedFleet.Upload> uploads = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<SimulatedFleet.Arrival> arrivals = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<SimulatedFleet.Download> downloads = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    private final AtomicLong pollsOpen = new AtomicLong();
    private final AtomicLong pollsOpenPeak = new AtomicLong();

    void upload(SimulatedFleet.Upload upload) {
        uploads.add(upload);
    }

    void arrival(SimulatedFleet.Arrival arrival) {
        arrivals.add(arrival);
    }

    void download(SimulatedFleet.Download download) {
        downloads.add(download);
    }

    void count(String outcome) {
        outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
    }

    /** A long poll went out. */
    void pollOpened() {
        long open = pollsOpen.incrementAndGet();
        pollsOpenPeak.accumulateAndGet(open, Math::max);
    }

    /** A long poll came back (answered or failed). */
    void pollClosed() {
        pollsOpen.decrementAndGet();
    }

    List<SimulatedFleet.Upload> uploads() {
        return List.copyOf(uploads);
    }

    List<SimulatedFleet.Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    List<SimulatedFleet.Download> downloads() {
        return List.copyOf(downloads);
    }

    /** Count of each outcome, sorted by name. */
    Map<String, Integer> outcomes() {
        Map<String, Integer> out = new TreeMap<>();
        outcomes.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    long pollsOpenPeak() {
        return pollsOpenPeak.get();
    }
}
