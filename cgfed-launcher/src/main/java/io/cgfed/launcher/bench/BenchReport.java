package io.cgfed.launcher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The benchmark's outputs from its results: the main table and the sweeps as Markdown ({@link BenchMarkdown})
 * and CSV ({@link BenchCsv}), and the plots as SVG ({@link BenchPlots}), written into one directory. Here the
 * results are grouped: rows are configurations (a method at a budget, noise level or privacy level), values
 * the mean and sample standard deviation over the seeds whose experiment COMPLETED.
 */
public final class BenchReport {
    public static final List<String> CEVAL_GROUPS = io.cgfed.core.data.SubjectGroups.GROUPS;

    /** Mean and sample standard deviation (null when fewer than two values) of the values present. */
    public record Stat(Double mean, Double std, int n) {
        static Stat of(List<Double> values) {
            List<Double> v = values.stream().filter(d -> d != null && Double.isFinite(d)).toList();
            if (v.isEmpty()) {
                return new Stat(null, null, 0);
            }
            double m = v.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            Double sd = null;
            if (v.size() > 1) {
                double ss = v.stream().mapToDouble(d -> (d - m) * (d - m)).sum();
                sd = Math.sqrt(ss / (v.size() - 1));
            }
            return new Stat(m, sd, v.size());
        }
    }

    /** One configuration over its seeds. */
    public record Row(BenchPlan.Run first, List<RunResult> runs) {
        public List<RunResult> completed() {
            return runs.stream().filter(RunResult::completed).toList();
        }

        public Stat stat(Function<RunResult, Double> f) {
            return Stat.of(completed().stream().map(f).toList());
        }

        public Stat category(String group) {
            return stat(r -> r.accuracyByCategory().get(group));
        }

        public String seeds() {
            return completed().size() + "/" + runs.size();
        }
    }

    private final List<RunResult> results;
    private final Map<String, Row> rows = new LinkedHashMap<>();

    public BenchReport(List<RunResult> results) {
        this.results = List.copyOf(results);
        for (RunResult r : results) {
            rows.computeIfAbsent(r.run().configKey(), k -> new Row(r.run(), new ArrayList<>())).runs().add(r);
        }
    }

    public List<RunResult> results() {
        return results;
    }

    /** The rows a group asked for, in plan order (a sweep point shared with the main table included). */
    public List<Row> rows(String group) {
        Set<String> keys = new LinkedHashSet<>();
        for (RunResult r : results) {
            if (r.run().group().equals(group)) {
                keys.add(r.run().configKey());
            }
        }
        if (!group.equals("main")) {
            // a sweep's point at the default budget may have run in the main table: take it from there
            for (RunResult r : results) {
                if (r.run().group().equals("main") && sweepWants(group, r.run())) {
                    keys.add(r.run().configKey());
                }
            }
        }
        return keys.stream().map(rows::get).toList();
    }

    private boolean sweepWants(String group, BenchPlan.Run main) {
        return results.stream().anyMatch(r -> r.run().group().equals(group) && r.run().method().id().equals(main.method().id()))
                && group.equals("ratio");
    }

    /** The category columns: the C-Eval groups when the evaluation reported them, else every category seen. */
    List<String> categories() {
        Set<String> seen = new java.util.TreeSet<>();
        results.forEach(r -> seen.addAll(r.accuracyByCategory().keySet()));
        if (CEVAL_GROUPS.containsAll(seen) && !seen.isEmpty()) {
            return CEVAL_GROUPS.stream().filter(seen::contains).toList();
        }
        return List.copyOf(seen);
    }

    /** The tables as Markdown under {@code heading} ({@link BenchMarkdown}). */
    public String markdown(String heading) {
        return new BenchMarkdown(this).render(heading);
    }

    /** Every experiment, one line each ({@link BenchCsv}). */
    public String runsCsv() {
        return new BenchCsv(this).runs();
    }

    /** One line per configuration and group it appears in ({@link BenchCsv}). */
    public String summaryCsv() {
        return new BenchCsv(this).summary();
    }

    /**
     * Reads {@link #runsCsv()} back (to redraw the tables and plots of an earlier run: {@code --report-only DIR}).
     * The specs are not in the CSV; the runs come back without them.
     */
    public static List<RunResult> readRuns(String csv) {
        return BenchCsv.read(csv);
    }

    /** The plots, by file name ({@link BenchPlots}). */
    public Map<String, SvgPlot> plots() {
        return new BenchPlots(this).all();
    }

    /** Writes bench.md, bench-runs.csv, bench-summary.csv and the SVG plots into a directory. */
    public List<Path> write(Path dir, String heading) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        written.add(Files.writeString(dir.resolve("bench.md"), markdown(heading)));
        written.add(Files.writeString(dir.resolve("bench-runs.csv"), runsCsv()));
        written.add(Files.writeString(dir.resolve("bench-summary.csv"), summaryCsv()));
        for (var e : plots().entrySet()) {
            written.add(Files.writeString(dir.resolve(e.getKey()), e.getValue().render()));
        }
        return written;
    }
}
