package io.cgfed.launcher.load;

import io.cgfed.launcher.CoordinatorApi;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench-load}'s report of one run: the per-round table, the loopback, download, memory, pool and
 * CPU lines, the checks (no upload lost, no 5xx), and the JSON summary line; its exit status is the
 * checks'.
 */
final class LoadBenchReport {
    static final double MIB = 1024.0 * 1024.0;
    private final LoadBenchOptions o;
    private final PrintStream out;

    LoadBenchReport(LoadBenchOptions o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    /** Prints the report; 0 if every check held, else 1. */
    int print(LoadBenchResult r) {
        out.println();
        out.printf(Locale.ROOT, "experiment %s%s after %.0f s%n", r.status,
                r.failureReason == null ? "" : " (" + r.failureReason + ")", r.wallSeconds);
        out.println();
        List<String> failures = new ArrayList<>();
        List<Map<String, Object>> roundsJson = roundTable(r, failures);
        out.println();
        if (o.loopback) {
            out.printf(Locale.ROOT, "loopback in this run: raw TCP %.0f MiB/s, HTTP PUT to a trivial server %.0f MiB/s%n",
                    r.loopbackTcp / MIB, r.loopbackHttp / MIB);
        }
        var downloads = r.downloads.stream().filter(d -> d.status() == 200).toList();
        if (!downloads.isEmpty()) {
            Percentiles d = new Percentiles(downloads.stream().mapToLong(SimulatedFleet.Download::nanos).toArray());
            out.printf(Locale.ROOT, "adapter downloads: %d of %s, p50 %s, p99 %s%n", downloads.size(),
                    size(downloads.get(0).bytes()), millis(d.percentile(50)), millis(d.percentile(99)));
        }
        Map<String, Double> cp = r.coordinatorPeaks;
        out.printf(Locale.ROOT, "coordinator: RSS %s after start-up, peak RSS under load %s (VmHWM%s; sampled %s); "
                        + "heap in use peak %s of max %s; CPU %.1f s%n", mib(r.coordinatorStartRss),
                mib(r.coordinatorMemory.peakRssBytes()), r.peakReset ? " reset after start-up" : " since start-up",
                mib(cp.getOrDefault("rss", Double.NaN)), mib(cp.getOrDefault("heap used", Double.NaN)), mib(r.heapMax),
                seconds(r.coordinatorCpu));
        out.printf(Locale.ROOT, "coordinator GC: %.0f pauses, %.1f s in all; database connection timeouts: %.0f%n",
                r.gcPauses, r.gcSeconds, r.dbTimeouts);
        out.printf(Locale.ROOT, "coordinator pools (peaks): db connections active %s of %s, waiting for a connection %s; "
                        + "tomcat threads busy %s; live threads %s; polls held open by the workers %d%n",
                gauge(cp, "db connections active"), Double.isNaN(r.dbPoolMax) ? "?" : String.valueOf((long) r.dbPoolMax),
                gauge(cp, "db connections waiting"), gauge(cp, "tomcat threads busy"), gauge(cp, "live threads"),
                r.pollsOpenPeak);
        out.printf(Locale.ROOT, "codec-service: peak RSS %s, heap in use peak %s, CPU %.1f s; load generator CPU %.1f s%n",
                mib(r.codecMemory.peakRssBytes()), mib(r.codecPeaks.getOrDefault("heap used", Double.NaN)),
                seconds(r.codecCpu), seconds(r.selfCpu));
        if (o.secureAggregation) {
            long rounds = r.rounds.stream().filter(x -> x.round() > 0).count();
            long protocol = r.rounds.stream().filter(x -> x.round() > 0).mapToLong(DbRound::protocolBytes).sum();
            long inputs = r.rounds.stream().filter(x -> x.round() > 0).mapToLong(DbRound::uploadBytes).sum();
            double clientRounds = Math.max(1, rounds * (double) o.workers);
            out.printf(Locale.ROOT, "secure aggregation%s: coordinator CPU %.2f s a round; client CPU %.1f ms a client and "
                            + "round (SecAgg+ steps and encoding); bytes a client sends a round: masked input %,.0f, "
                            + "keys, shares and unmasking %,.0f%n",
                    o.secureCompression > 0 ? " (compressed 1/" + o.secureCompression + ")" : "",
                    seconds(r.coordinatorCpu) / Math.max(1, rounds), 1000 * r.secureClientCpuSeconds / clientRounds,
                    inputs / clientRounds, protocol / clientRounds);
        }
        out.println("responses: " + r.outcomes);
        if (r.uploads != null) {
            r.uploads.stream().filter(u -> u.error() != null).findFirst()
                    .ifPresent(u -> out.println("first refused upload: " + u.status() + " " + u.error()));
        }
        int fiveXx = 0;
        int transport = 0;
        for (var e : r.outcomes.entrySet()) {
            String[] parts = e.getKey().split(" ");
            String last = parts[parts.length - 1];
            if (last.length() == 3 && last.startsWith("5")) {
                fiveXx += e.getValue();
            }
            if (e.getKey().contains(" error ")) {
                transport += e.getValue();
            }
        }
        if (!"COMPLETED".equals(r.status)) {
            failures.add("experiment " + r.status + (r.failureReason == null ? "" : ": " + r.failureReason));
        }
        if (r.rounds.stream().filter(x -> x.round() > 0).count() != o.rounds) {
            failures.add("only " + r.rounds.stream().filter(x -> x.round() > 0).count() + " of " + o.rounds + " rounds ran");
        }
        if (fiveXx > 0) {
            failures.add(fiveXx + " responses with a 5xx status");
        }
        out.printf("checks: no upload lost %s; no 5xx %s; transport errors %d%n",
                failures.stream().anyMatch(f -> f.startsWith("lost")) ? "FAILED" : "OK", fiveXx == 0 ? "OK" : "FAILED",
                transport);
        failures.forEach(f -> out.println("  FAILED: " + f));

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", r.status);
        json.put("workers", o.workers);
        json.put("rounds", o.rounds);
        json.put("model", o.model);
        json.put("codec", o.codec);
        json.put("payloadBytes", r.payloadBytes);
        json.put("secureAggregation", o.secureAggregation);
        json.put("coordinatorCpuSeconds", round1(seconds(r.coordinatorCpu)));
        json.put("loopbackTcpMiBps", round1(r.loopbackTcp / MIB));
        json.put("loopbackHttpMiBps", round1(r.loopbackHttp / MIB));
        json.put("roundStats", roundsJson);
        json.put("coordinatorPeakRssMiB", round1(r.coordinatorMemory.peakRssBytes() / MIB));
        json.put("coordinatorPeakHeapMiB", round1(cp.getOrDefault("heap used", Double.NaN) / MIB));
        json.put("dbConnectionTimeouts", r.dbTimeouts);
        json.put("gcSeconds", round1(r.gcSeconds));
        json.put("fiveXx", fiveXx);
        json.put("transportErrors", transport);
        json.put("ok", failures.isEmpty());
        out.println(CoordinatorApi.toJson(json));
        return failures.isEmpty() ? 0 : 1;
    }

    /** The per-round table; adds a failure for each round that lost an upload or was not aggregated. */
    private List<Map<String, Object>> roundTable(LoadBenchResult r, List<String> failures) {
        out.println("| round | uploads accepted | tasks out | uploads/s | p50 upload | p99 upload | max upload "
                + "| MiB/s sustained | last upload -> aggregated | -> closed |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        List<Map<String, Object>> roundsJson = new ArrayList<>();
        for (DbRound db : r.rounds) {
            if (db.round() == 0) {
                continue;
            }
            RoundStats s = RoundStats.of(db.round(), r.uploads);
            double toAggregated = (db.aggregatedAt() - db.lastUploadAt()) / 1000;
            double toClosed = (db.closedAt() - db.lastUploadAt()) / 1000;
            boolean any = s.latency().count() > 0;
            long[] train = r.arrivals.stream().filter(a -> a.round() == db.round() && a.type().equals("TRAIN"))
                    .mapToLong(a -> Math.round(a.epochMillis() - db.openedAt())).toArray();
            double tasksOut = train.length == 0 ? Double.NaN : new Percentiles(train).max() / 1000.0;
            double tasksOutMedian = train.length == 0 ? Double.NaN : new Percentiles(train).percentile(50) / 1000.0;
            out.printf(Locale.ROOT, "| %d | %d of %d%s | %.1f s | %.1f | %s | %s | %s | %.1f | %s | %s |%n",
                    db.round(), s.accepted(), o.workers,
                    s.attempts() == s.accepted() ? "" : " (" + s.attempts() + " attempts)", tasksOut,
                    s.uploadsPerSecond(),
                    any ? millis(s.latency().percentile(50)) : "-", any ? millis(s.latency().percentile(99)) : "-",
                    any ? millis(s.latency().max()) : "-", s.bytesPerSecond() / MIB, secondsOrNot(toAggregated),
                    secondsOrNot(toClosed));
            if (db.uploadRows() != o.workers || s.accepted() != o.workers
                    || (!Double.isNaN(db.aggregatedAt()) && db.uploadsCounted() != o.workers)) {
                failures.add("lost: round " + db.round() + ": " + s.accepted() + " uploads acknowledged, "
                        + db.uploadRows() + " stored, " + db.uploadsCounted() + " aggregated, of " + o.workers);
            }
            if (Double.isNaN(db.aggregatedAt())) {
                failures.add("round " + db.round() + " was not aggregated (" + db.status() + ")");
            }
            Map<String, Object> rj = new LinkedHashMap<>();
            rj.put("round", db.round());
            rj.put("accepted", s.accepted());
            rj.put("stored", db.uploadRows());
            rj.put("aggregated", db.uploadsCounted());
            rj.put("attempts", s.attempts());
            rj.put("tasksOutSeconds", round2(tasksOut));
            rj.put("tasksOutMedianSeconds", round2(tasksOutMedian));
            rj.put("uploadsPerSecond", round1(s.uploadsPerSecond()));
            rj.put("p50UploadMs", any ? round1(s.latency().percentile(50) / 1e6) : null);
            rj.put("p99UploadMs", any ? round1(s.latency().percentile(99) / 1e6) : null);
            rj.put("maxUploadMs", any ? round1(s.latency().max() / 1e6) : null);
            rj.put("mibPerSecond", round1(s.bytesPerSecond() / MIB));
            rj.put("lastUploadToAggregatedSeconds", round2(toAggregated));
            rj.put("lastUploadToClosedSeconds", round2(toClosed));
            rj.put("serverUploadSpreadSeconds", round2((db.lastUploadAt() - db.firstUploadAt()) / 1000));
            roundsJson.add(rj);
        }
        return roundsJson;
    }

    private static String secondsOrNot(double seconds) {
        return Double.isNaN(seconds) ? "not yet" : String.format(Locale.ROOT, "%.2f s", seconds);
    }

    private static double seconds(Duration d) {
        return d == null ? Double.NaN : d.toMillis() / 1000.0;
    }

    private static String gauge(Map<String, Double> peaks, String name) {
        Double v = peaks.get(name);
        return v == null ? "n/a" : String.valueOf(Math.round(v));
    }

    static String millis(long nanos) {
        double ms = nanos / 1e6;
        return ms >= 1000 ? String.format(Locale.ROOT, "%.2f s", ms / 1000) : String.format(Locale.ROOT, "%.0f ms", ms);
    }

    static String mib(double bytes) {
        return Double.isNaN(bytes) || bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MiB", bytes / MIB);
    }

    static String size(long bytes) {
        if (bytes >= 1 << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / MIB);
        }
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }

    private static Double round1(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 10) / 10.0;
    }

    private static Double round2(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 100) / 100.0;
    }
}
