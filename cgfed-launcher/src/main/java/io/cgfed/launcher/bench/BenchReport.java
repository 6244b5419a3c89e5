package io.cgfed.launcher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The benchmark's outputs from its results: the main table and the sweeps as Markdown and CSV, and the
 * plots as SVG. Rows are configurations (a method at a budget, noise level or privacy level), values the
 * mean and sample standard deviation over the seeds whose experiment COMPLETED.
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

    // ---------------------------------------------------------------- Markdown

    public String markdown(String heading) {
        StringBuilder s = new StringBuilder();
        s.append(heading);
        List<String> cats = categories();
        s.append("\n### Methods\n\n| method | seeds |");
        cats.forEach(c -> s.append(' ').append(c).append(" (%) |"));
        s.append(" Average (%) | final eval loss | upload B / client-round | of fp32 | total upload bytes | cosine | SNR dB "
                + "| ΔW cosine | ΔW SNR dB | s / round | round 0 s |\n|---|---:|");
        cats.forEach(c -> s.append("---:|"));
        s.append("---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows("main")) {
            s.append("| ").append(r.first().label()).append(" | ").append(r.seeds()).append(" |");
            cats.forEach(c -> s.append(' ').append(pct(r.category(c))).append(" |"));
            s.append(' ').append(pct(r.stat(RunResult::accuracy))).append(" | ")
                    .append(fmt(r.stat(RunResult::evalLoss), "%.4f")).append(" | ")
                    .append(fmt(r.stat(RunResult::uploadBytesPerClientRound), "%,.0f")).append(" | ")
                    .append(pctPlain(r.stat(RunResult::ratioToFp32))).append(" | ")
                    .append(fmt(r.stat(x -> (double) x.uploadBytes()), "%,.0f")).append(" | ")
                    .append(fmt(r.stat(RunResult::cosine), "%.3f")).append(" | ")
                    .append(snr(r.stat(RunResult::snrDb))).append(" | ")
                    .append(fmt(r.stat(RunResult::deltaWCosine), "%.3f")).append(" | ")
                    .append(snr(r.stat(RunResult::deltaWSnrDb))).append(" | ")
                    .append(fmt(r.stat(RunResult::secondsPerRound), "%.1f")).append(" | ")
                    .append(fmt(r.stat(RunResult::tgapSeconds), "%.1f")).append(" |\n");
        }
        if (!rows("ratio").isEmpty()) {
            s.append("\n### Sweep: compression ratio\n\n| method | compression | upload B / client-round | of fp32 "
                    + "| Average (%) | final eval loss | cosine | seeds |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Row r : sortedBy(rows("ratio"), x -> (double) x.first().compression())) {
                s.append("| ").append(r.first().method().labelAt(r.first().compression())).append(" | 1/")
                        .append(r.first().compression()).append(" | ")
                        .append(fmt(r.stat(RunResult::uploadBytesPerClientRound), "%,.0f")).append(" | ")
                        .append(pctPlain(r.stat(RunResult::ratioToFp32))).append(" | ")
                        .append(pct(r.stat(RunResult::accuracy))).append(" | ")
                        .append(fmt(r.stat(RunResult::evalLoss), "%.4f")).append(" | ")
                        .append(fmt(r.stat(RunResult::cosine), "%.3f")).append(" | ").append(r.seeds()).append(" |\n");
            }
        }
        if (!rows("noise").isEmpty()) {
            s.append("\n### Sweep: Gaussian noise on the updates before encoding\n\n"
                    + "| method | sigma | cos(reconstruction, clean) | rel. error to clean | cos(noisy input, clean) "
                    + "| Average (%) | final eval loss | seeds |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Row r : sortedBy(rows("noise"), x -> x.first().noiseSigma())) {
                s.append("| ").append(r.first().method().label()).append(" | ").append(BenchPlan.num(r.first().noiseSigma()))
                        .append(" | ").append(fmt(r.stat(RunResult::cleanCosine), "%.3f")).append(" | ")
                        .append(fmt(r.stat(RunResult::cleanRelativeError), "%.3g")).append(" | ")
                        .append(fmt(r.stat(RunResult::noisyInputCosine), "%.3f")).append(" | ")
                        .append(pct(r.stat(RunResult::accuracy))).append(" | ")
                        .append(fmt(r.stat(RunResult::evalLoss), "%.4f")).append(" | ").append(r.seeds()).append(" |\n");
            }
        }
        if (!rows("dp").isEmpty()) {
            s.append("\n### Sweep: client-side differential privacy (delta 1e-5)\n\n| method | epsilon | Average (%) "
                    + "| final eval loss | cosine | seeds |\n|---|---:|---:|---:|---:|---:|\n");
            for (Row r : sortedBy(rows("dp"), x -> x.first().dpEpsilon())) {
                s.append("| ").append(r.first().method().label()).append(" | ").append(BenchPlan.num(r.first().dpEpsilon()))
                        .append(" | ").append(pct(r.stat(RunResult::accuracy))).append(" | ")
                        .append(fmt(r.stat(RunResult::evalLoss), "%.4f")).append(" | ")
                        .append(fmt(r.stat(RunResult::cosine), "%.3f")).append(" | ").append(r.seeds()).append(" |\n");
            }
        }
        List<RunResult> failed = results.stream().filter(r -> !r.completed()).toList();
        if (!failed.isEmpty()) {
            s.append("\n### Failed experiments\n\n");
            failed.forEach(f -> s.append("- ").append(f.run().label()).append(" seed ").append(f.run().seed()).append(": ")
                    .append(f.status()).append(f.failureReason() == null ? "" : " (" + f.failureReason() + ")")
                    .append(f.experimentId() == null ? "" : ", experiment " + f.experimentId()).append('\n'));
        }
        return s.toString();
    }

    private static List<Row> sortedBy(List<Row> rows, Function<Row, Double> key) {
        List<Row> out = new ArrayList<>(rows);
        out.sort(java.util.Comparator.comparing((Row r) -> r.first().method().id()).thenComparing(key::apply));
        return out;
    }

    static String pct(Stat s) {
        if (s.mean() == null) {
            return "-";
        }
        return s.std() == null ? String.format(Locale.ROOT, "%.1f", 100 * s.mean())
                : String.format(Locale.ROOT, "%.1f ± %.1f", 100 * s.mean(), 100 * s.std());
    }

    static String pctPlain(Stat s) {
        if (s.mean() == null) {
            return "-";
        }
        return String.format(Locale.ROOT, s.mean() < 0.1 ? "%.2f %%" : "%.1f %%", 100 * s.mean());
    }

    static String fmt(Stat s, String format) {
        if (s.mean() == null) {
            return "-";
        }
        String m = String.format(Locale.ROOT, format, s.mean());
        return s.std() == null || s.std() < 1e-12 ? m : m + " ± " + String.format(Locale.ROOT, format, s.std());
    }

    /** SNR in dB; workers report 999 for an exact reconstruction. */
    static String snr(Stat s) {
        if (s.mean() != null && s.mean() >= 998) {
            return "exact";
        }
        return fmt(s, "%.2f");
    }

    // ---------------------------------------------------------------- CSV

    static final String RUNS_HEADER = "group,method,label,seed,compression,noiseSigma,dpEpsilon,experimentId,status,"
            + "accuracy,STEM,SocialScience,Humanities,Other,finalEvalLoss,baselineAccuracy,roundsCompleted,uploads,"
            + "uploadBytes,rawUpdateBytes,uploadBytesPerClientRound,ratioToFp32,meanCosine,meanSnrDb,meanDeltaWCosine,"
            + "meanDeltaWSnrDb,secondsPerRound,round0Seconds,cleanCosine,cleanRelativeL2Error,noisyInputCosine,wallSeconds,"
            + "failureReason";
    /** The runs header before the dW columns: such files still read back, without dW. */
    static final String RUNS_HEADER_BEFORE_DELTA_W = RUNS_HEADER.replace("meanDeltaWCosine,meanDeltaWSnrDb,", "");

    /** Every experiment, one line each. */
    public String runsCsv() {
        StringBuilder s = new StringBuilder(RUNS_HEADER).append('\n');
        for (RunResult r : results) {
            BenchPlan.Run run = r.run();
            List<String> f = new ArrayList<>(List.of(run.group(), run.method().id(), csv(run.label()),
                    Long.toString(run.seed()), Integer.toString(run.compression()), num(run.noiseSigma()),
                    num(run.dpEpsilon()), r.experimentId() == null ? "" : r.experimentId(), r.status(), num(r.accuracy())));
            CEVAL_GROUPS.forEach(g -> f.add(num(r.accuracyByCategory().get(g))));
            f.addAll(List.of(num(r.evalLoss()), num(r.baselineAccuracy()), Integer.toString(r.roundsCompleted()),
                    Long.toString(r.uploads()), Long.toString(r.uploadBytes()), Long.toString(r.rawUpdateBytes()),
                    num(r.uploadBytesPerClientRound()), num(r.ratioToFp32()), num(r.cosine()), num(r.snrDb()),
                    num(r.deltaWCosine()), num(r.deltaWSnrDb()), num(r.secondsPerRound()), num(r.tgapSeconds()), num(r.cleanCosine()), num(r.cleanRelativeError()),
                    num(r.noisyInputCosine()), num(r.wallSeconds()), csv(r.failureReason())));
            s.append(String.join(",", f)).append('\n');
        }
        return s.toString();
    }

    static final String SUMMARY_HEADER = "group,method,label,compression,noiseSigma,dpEpsilon,seedsCompleted,seeds,"
            + "accuracyMean,accuracyStd,STEM,SocialScience,Humanities,Other,finalEvalLossMean,finalEvalLossStd,"
            + "uploadBytesPerClientRound,ratioToFp32,totalUploadBytes,meanCosine,meanSnrDb,secondsPerRound,cleanCosine,"
            + "cleanRelativeL2Error,meanDeltaWCosine,meanDeltaWSnrDb";

    /** One line per configuration and group it appears in. */
    public String summaryCsv() {
        StringBuilder s = new StringBuilder(SUMMARY_HEADER).append('\n');
        for (String group : List.of("main", "ratio", "noise", "dp")) {
            for (Row r : rows(group)) {
                BenchPlan.Run run = r.first();
                List<String> f = new ArrayList<>(List.of(group, run.method().id(), csv(run.label()),
                        Integer.toString(run.compression()), num(run.noiseSigma()), num(run.dpEpsilon()),
                        Integer.toString(r.completed().size()), Integer.toString(r.runs().size()),
                        num(r.stat(RunResult::accuracy).mean()), num(r.stat(RunResult::accuracy).std())));
                CEVAL_GROUPS.forEach(g -> f.add(num(r.category(g).mean())));
                f.addAll(List.of(num(r.stat(RunResult::evalLoss).mean()), num(r.stat(RunResult::evalLoss).std()),
                        num(r.stat(RunResult::uploadBytesPerClientRound).mean()), num(r.stat(RunResult::ratioToFp32).mean()),
                        num(r.stat(x -> (double) x.uploadBytes()).mean()), num(r.stat(RunResult::cosine).mean()),
                        num(r.stat(RunResult::snrDb).mean()), num(r.stat(RunResult::secondsPerRound).mean()),
                        num(r.stat(RunResult::cleanCosine).mean()), num(r.stat(RunResult::cleanRelativeError).mean()),
                        num(r.stat(RunResult::deltaWCosine).mean()), num(r.stat(RunResult::deltaWSnrDb).mean())));
                s.append(String.join(",", f)).append('\n');
            }
        }
        return s.toString();
    }

    /**
     * Reads {@link #runsCsv()} back (to redraw the tables and plots of an earlier run: {@code --report-only DIR}).
     * The specs are not in the CSV; the runs come back without them.
     */
    public static List<RunResult> readRuns(String csv) {
        List<io.cgfed.core.data.Csv.Row> rows;
        try {
            // the reader, not a split on lines: a failure reason may hold a quoted line break
            rows = io.cgfed.core.data.Csv.parse(new java.io.StringReader(csv), "bench-runs.csv");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (rows.isEmpty() || !(String.join(",", rows.get(0).fields()).equals(RUNS_HEADER)
                || String.join(",", rows.get(0).fields()).equals(RUNS_HEADER_BEFORE_DELTA_W))) {
            throw new IllegalArgumentException("not a bench-runs.csv: the header differs");
        }
        List<String> header = rows.get(0).fields();
        List<RunResult> out = new ArrayList<>();
        for (io.cgfed.core.data.Csv.Row row : rows.subList(1, rows.size())) {
            List<String> f = row.fields();
            Map<String, String> v = new java.util.HashMap<>();
            for (int i = 0; i < header.size(); i++) {
                v.put(header.get(i), i < f.size() ? f.get(i) : "");
            }
            BenchPlan.Run run = new BenchPlan.Run(v.get("group"), BenchMethod.byId(v.get("method")),
                    Long.parseLong(v.get("seed")), Integer.parseInt(v.get("compression")),
                    Double.parseDouble(v.get("noiseSigma")), Double.parseDouble(v.get("dpEpsilon")), Map.of());
            Map<String, Double> cats = new LinkedHashMap<>();
            for (String g : CEVAL_GROUPS) {
                Double d = dbl(v.get(g.replace(" ", "")));
                if (d != null) {
                    cats.put(g, d);
                }
            }
            out.add(new RunResult(run, v.get("experimentId").isEmpty() ? null : v.get("experimentId"), v.get("status"),
                    v.get("failureReason").isEmpty() ? null : v.get("failureReason"), dbl(v.get("accuracy")), cats,
                    dbl(v.get("finalEvalLoss")), dbl(v.get("baselineAccuracy")), Integer.parseInt(v.get("roundsCompleted")),
                    Long.parseLong(v.get("uploads")), Long.parseLong(v.get("uploadBytes")),
                    Long.parseLong(v.get("rawUpdateBytes")), dbl(v.get("uploadBytesPerClientRound")),
                    dbl(v.get("ratioToFp32")), dbl(v.get("meanCosine")), dbl(v.get("meanSnrDb")),
                    dbl(v.get("meanDeltaWCosine")), dbl(v.get("meanDeltaWSnrDb")), dbl(v.get("secondsPerRound")), dbl(v.get("round0Seconds")), dbl(v.get("cleanCosine")),
                    dbl(v.get("cleanRelativeL2Error")), dbl(v.get("noisyInputCosine")),
                    v.get("wallSeconds").isEmpty() ? 0 : Double.parseDouble(v.get("wallSeconds"))));
        }
        return out;
    }

    private static Double dbl(String s) {
        return s == null || s.isEmpty() ? null : Double.valueOf(s);
    }

    private static String num(Double d) {
        return d == null || !Double.isFinite(d) ? "" : String.valueOf(d);
    }

    private static String num(double d) {
        return String.valueOf(d);
    }

    static String csv(String s) {
        return io.cgfed.core.data.Csv.field(s);
    }

    // ---------------------------------------------------------------- plots

    /** The plots, by file name. */
    public Map<String, SvgPlot> plots() {
        Map<String, SvgPlot> plots = new LinkedHashMap<>();
        SvgPlot acc = new SvgPlot("Accuracy against upload bytes", "upload bytes per client-round (log)",
                "held-out accuracy").logX();
        for (Row r : rows("main")) {
            Stat a = r.stat(RunResult::accuracy);
            Stat b = r.stat(RunResult::uploadBytesPerClientRound);
            if (a.mean() != null && b.mean() != null) {
                acc.series(r.first().method().id(), List.of(new SvgPlot.Point(b.mean(), a.mean(), a.std(),
                        r.first().method().id())), false);
            }
        }
        for (String id : methodsOf("ratio")) {
            List<SvgPlot.Point> pts = new ArrayList<>();
            for (Row r : rows("ratio")) {
                if (r.first().method().id().equals(id) && r.stat(RunResult::accuracy).mean() != null
                        && r.stat(RunResult::uploadBytesPerClientRound).mean() != null) {
                    int c = r.first().compression();
                    pts.add(new SvgPlot.Point(r.stat(RunResult::uploadBytesPerClientRound).mean(),
                            r.stat(RunResult::accuracy).mean(), null,
                            c == BenchMethod.DEFAULT_COMPRESSION ? null : id + " 1/" + c));
                }
            }
            if (pts.size() > 1) {
                acc.series(id + " (ratio sweep)", pts, true);
            }
        }
        untrained(acc);
        plots.put("accuracy-vs-bytes.svg", acc);
        plots.put("snr-vs-bits.svg", snrAgainstBits());
        if (!rows("ratio").isEmpty()) {
            SvgPlot p = new SvgPlot("Compression ratio against accuracy", "compression (fp32 bytes / body bytes, log)",
                    "held-out accuracy").logX();
            for (String id : methodsOf("ratio")) {
                p.series(id, points(rows("ratio"), id, r -> (double) r.first().compression(), RunResult::accuracy), true);
            }
            untrained(p);
            plots.put("sweep-ratio.svg", p);
        }
        if (!rows("noise").isEmpty()) {
            SvgPlot err = new SvgPlot("Noise on the updates: output error", "noise sigma (log)",
                    "|reconstruction - clean update| / |clean update| (log)").logX().logY();
            SvgPlot accN = new SvgPlot("Noise on the updates: accuracy", "noise sigma (log)", "held-out accuracy").logX();
            for (String id : methodsOf("noise")) {
                err.series(id, points(rows("noise"), id, r -> r.first().noiseSigma(), RunResult::cleanRelativeError), true);
                accN.series(id, points(rows("noise"), id, r -> r.first().noiseSigma(), RunResult::accuracy), true);
            }
            plots.put("sweep-noise-error.svg", err);
            untrained(accN);
            plots.put("sweep-noise-accuracy.svg", accN);
        }
        if (!rows("dp").isEmpty()) {
            SvgPlot p = new SvgPlot("Differential privacy against accuracy", "epsilon (log)", "held-out accuracy").logX();
            for (String id : methodsOf("dp")) {
                p.series(id, points(rows("dp"), id, r -> r.first().dpEpsilon(), RunResult::accuracy), true);
            }
            untrained(p);
            plots.put("sweep-dp.svg", p);
        }
        return plots;
    }

    /**
     * Per-update SNR against the bits per value on the wire (whole requests: 32 x ratio to fp32), every lossy
     * configuration of the main table and the ratio sweep, beside the rate-distortion bound of a Gaussian
     * source, SNR = 10 log10(2^(2R)) = 6.02 R dB: no codec of these flat, Gaussian-like updates passes it
     * without structure it learns or predicts.
     */
    private SvgPlot snrAgainstBits() {
        SvgPlot p = new SvgPlot("Reconstruction SNR against bits on the wire", "bits per value on the wire (log)",
                "mean per-update SNR dB").logX();
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        Map<String, List<SvgPlot.Point>> byMethod = new LinkedHashMap<>();
        for (String group : List.of("main", "ratio")) {
            for (Row r : rows(group)) {
                Stat ratio = r.stat(RunResult::ratioToFp32);
                Stat snr = r.stat(RunResult::snrDb);
                if (ratio.mean() == null || snr.mean() == null || snr.mean() >= 998) {
                    continue; // no upload, or lossless
                }
                double bits = 32 * ratio.mean();
                lo = Math.min(lo, bits);
                hi = Math.max(hi, bits);
                String id = r.first().method().id();
                List<SvgPlot.Point> pts = byMethod.computeIfAbsent(id, k -> new ArrayList<>());
                if (pts.stream().noneMatch(q -> Math.abs(q.x() - bits) < 1e-9)) {
                    pts.add(new SvgPlot.Point(bits, snr.mean(), snr.std(), null));
                }
            }
        }
        byMethod.forEach((id, pts) -> {
            pts.sort(java.util.Comparator.comparingDouble(SvgPlot.Point::x));
            p.series(id, pts, pts.size() > 1);
        });
        if (hi > 0) {
            List<SvgPlot.Point> bound = new ArrayList<>();
            for (int i = 0; i <= 24; i++) {
                double bits = lo * Math.pow(hi / lo, i / 24.0);
                bound.add(new SvgPlot.Point(bits, 10 * Math.log10(Math.pow(2, 2 * bits))));
            }
            p.series("rate-distortion bound (Gaussian)", bound, true);
        }
        return p;
    }

    /** The untrained adapter's accuracy (round 0, the same for every method) as a reference line. */
    private void untrained(SvgPlot plot) {
        Stat base = Stat.of(results.stream().filter(RunResult::completed).map(RunResult::baselineAccuracy).toList());
        if (base.mean() != null) {
            plot.reference(base.mean(), String.format(Locale.ROOT, "untrained (round 0): %.3f", base.mean()));
        }
    }

    private List<String> methodsOf(String group) {
        Set<String> ids = new LinkedHashSet<>();
        rows(group).forEach(r -> ids.add(r.first().method().id()));
        return List.copyOf(ids);
    }

    private static List<SvgPlot.Point> points(List<Row> rows, String id, Function<Row, Double> x,
                                              Function<RunResult, Double> y) {
        List<SvgPlot.Point> pts = new ArrayList<>();
        for (Row r : rows) {
            Stat s = r.stat(y);
            if (r.first().method().id().equals(id) && s.mean() != null) {
                pts.add(new SvgPlot.Point(x.apply(r), s.mean(), s.std(), null));
            }
        }
        return pts;
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
