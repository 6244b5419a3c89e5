package io.cgfed.launcher.bench;

import io.cgfed.launcher.bench.BenchReport.Row;
import io.cgfed.launcher.bench.BenchReport.Stat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The benchmark's tables as Markdown ({@code bench.md}): the main table of methods, a table per sweep that
 * ran (compression ratio, noise, differential privacy), and the experiments that failed; each value the mean
 * and, over two or more seeds, the sample standard deviation.
 */
final class BenchMarkdown {
    private final BenchReport report;

    BenchMarkdown(BenchReport report) {
        this.report = report;
    }

    /** The tables under {@code heading}. */
    String render(String heading) {
        StringBuilder s = new StringBuilder();
        s.append(heading);
        List<String> cats = report.categories();
        s.append("\n### Methods\n\n| method | seeds |");
        cats.forEach(c -> s.append(' ').append(c).append(" (%) |"));
        s.append(" Average (%) | final eval loss | upload B / client-round | of fp32 | total upload bytes | cosine | SNR dB "
                + "| ΔW cosine | ΔW SNR dB | aggregate ΔW cosine | s / round | round 0 s |\n|---|---:|");
        cats.forEach(c -> s.append("---:|"));
        s.append("---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : report.rows("main")) {
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
                    .append(fmt(r.stat(RunResult::aggregateDeltaWCosine), "%.3f")).append(" | ")
                    .append(fmt(r.stat(RunResult::secondsPerRound), "%.1f")).append(" | ")
                    .append(fmt(r.stat(RunResult::tgapSeconds), "%.1f")).append(" |\n");
        }
        if (!report.rows("ratio").isEmpty()) {
            s.append("\n### Sweep: compression ratio\n\n| method | compression | upload B / client-round | of fp32 "
                    + "| Average (%) | final eval loss | cosine | seeds |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Row r : sortedBy(report.rows("ratio"), x -> (double) x.first().compression())) {
                s.append("| ").append(r.first().method().labelAt(r.first().compression())).append(" | 1/")
                        .append(r.first().compression()).append(" | ")
                        .append(fmt(r.stat(RunResult::uploadBytesPerClientRound), "%,.0f")).append(" | ")
                        .append(pctPlain(r.stat(RunResult::ratioToFp32))).append(" | ")
                        .append(pct(r.stat(RunResult::accuracy))).append(" | ")
                        .append(fmt(r.stat(RunResult::evalLoss), "%.4f")).append(" | ")
                        .append(fmt(r.stat(RunResult::cosine), "%.3f")).append(" | ").append(r.seeds()).append(" |\n");
            }
        }
        if (!report.rows("noise").isEmpty()) {
            s.append("\n### Sweep: Gaussian noise on the updates before encoding\n\n"
                    + "| method | sigma | cos(reconstruction, clean) | rel. error to clean | cos(noisy input, clean) "
                    + "| Average (%) | final eval loss | seeds |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Row r : sortedBy(report.rows("noise"), x -> x.first().noiseSigma())) {
                s.append("| ").append(r.first().method().label()).append(" | ").append(BenchPlan.num(r.first().noiseSigma()))
                        .append(" | ").append(fmt(r.stat(RunResult::cleanCosine), "%.3f")).append(" | ")
                        .append(fmt(r.stat(RunResult::cleanRelativeError), "%.3g")).append(" | ")
                        .append(fmt(r.stat(RunResult::noisyInputCosine), "%.3f")).append(" | ")
                        .append(pct(r.stat(RunResult::accuracy))).append(" | ")
                        .append(fmt(r.stat(RunResult::evalLoss), "%.4f")).append(" | ").append(r.seeds()).append(" |\n");
            }
        }
        if (!report.rows("dp").isEmpty()) {
            s.append("\n### Sweep: client-side differential privacy (delta 1e-5)\n\n| method | epsilon | Average (%) "
                    + "| final eval loss | cosine | seeds |\n|---|---:|---:|---:|---:|---:|\n");
            for (Row r : sortedBy(report.rows("dp"), x -> x.first().dpEpsilon())) {
                s.append("| ").append(r.first().method().label()).append(" | ").append(BenchPlan.num(r.first().dpEpsilon()))
                        .append(" | ").append(pct(r.stat(RunResult::accuracy))).append(" | ")
                        .append(fmt(r.stat(RunResult::evalLoss), "%.4f")).append(" | ")
                        .append(fmt(r.stat(RunResult::cosine), "%.3f")).append(" | ").append(r.seeds()).append(" |\n");
            }
        }
        List<RunResult> failed = report.results().stream().filter(r -> !r.completed()).toList();
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
}
