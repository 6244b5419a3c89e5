package io.cgfed.launcher.bench;

import io.cgfed.launcher.bench.BenchReport.Row;
import io.cgfed.launcher.bench.BenchReport.Stat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The benchmark's plots ({@link SvgPlot}): accuracy against upload bytes, reconstruction SNR against bits on
 * the wire, and one plot per sweep that ran, the untrained adapter's accuracy drawn as a reference line.
 */
final class BenchPlots {
    private final BenchReport report;

    BenchPlots(BenchReport report) {
        this.report = report;
    }

    /** The plots, by file name. */
    Map<String, SvgPlot> all() {
        Map<String, SvgPlot> plots = new LinkedHashMap<>();
        SvgPlot acc = new SvgPlot("Accuracy against upload bytes", "upload bytes per client-round (log)",
                "held-out accuracy").logX();
        for (Row r : report.rows("main")) {
            Stat a = r.stat(RunResult::accuracy);
            Stat b = r.stat(RunResult::uploadBytesPerClientRound);
            if (a.mean() != null && b.mean() != null) {
                acc.series(r.first().method().id(), List.of(new SvgPlot.Point(b.mean(), a.mean(), a.std(),
                        r.first().method().id())), false);
            }
        }
        for (String id : methodsOf("ratio")) {
            List<SvgPlot.Point> pts = new ArrayList<>();
            for (Row r : report.rows("ratio")) {
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
        if (!report.rows("ratio").isEmpty()) {
            SvgPlot p = new SvgPlot("Compression ratio against accuracy", "compression (fp32 bytes / body bytes, log)",
                    "held-out accuracy").logX();
            for (String id : methodsOf("ratio")) {
                p.series(id, points(report.rows("ratio"), id, r -> (double) r.first().compression(), RunResult::accuracy), true);
            }
            untrained(p);
            plots.put("sweep-ratio.svg", p);
        }
        if (!report.rows("noise").isEmpty()) {
            SvgPlot err = new SvgPlot("Noise on the updates: output error", "noise sigma (log)",
                    "|reconstruction - clean update| / |clean update| (log)").logX().logY();
            SvgPlot accN = new SvgPlot("Noise on the updates: accuracy", "noise sigma (log)", "held-out accuracy").logX();
            for (String id : methodsOf("noise")) {
                err.series(id, points(report.rows("noise"), id, r -> r.first().noiseSigma(), RunResult::cleanRelativeError), true);
                accN.series(id, points(report.rows("noise"), id, r -> r.first().noiseSigma(), RunResult::accuracy), true);
            }
            plots.put("sweep-noise-error.svg", err);
            untrained(accN);
            plots.put("sweep-noise-accuracy.svg", accN);
        }
        if (!report.rows("dp").isEmpty()) {
            SvgPlot p = new SvgPlot("Differential privacy against accuracy", "epsilon (log)", "held-out accuracy").logX();
            for (String id : methodsOf("dp")) {
                p.series(id, points(report.rows("dp"), id, r -> r.first().dpEpsilon(), RunResult::accuracy), true);
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
            for (Row r : report.rows(group)) {
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
        Stat base = Stat.of(report.results().stream().filter(RunResult::completed).map(RunResult::baselineAccuracy).toList());
        if (base.mean() != null) {
            plot.reference(base.mean(), String.format(Locale.ROOT, "untrained (round 0): %.3f", base.mean()));
        }
    }

    private List<String> methodsOf(String group) {
        Set<String> ids = new LinkedHashSet<>();
        report.rows(group).forEach(r -> ids.add(r.first().method().id()));
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
}
