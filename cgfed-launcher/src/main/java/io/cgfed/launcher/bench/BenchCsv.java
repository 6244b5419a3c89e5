package io.cgfed.launcher.bench;

import static io.cgfed.launcher.bench.BenchReport.CEVAL_GROUPS;

import io.cgfed.launcher.bench.BenchReport.Row;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's CSV files: {@code bench-runs.csv} (every experiment, one line each), which also reads back
 * to redraw an earlier run's report, and {@code bench-summary.csv} (one line per configuration and group).
 */
final class BenchCsv {
    static final String RUNS_HEADER = "group,method,label,seed,compression,noiseSigma,dpEpsilon,experimentId,status,"
            + "accuracy,STEM,SocialScience,Humanities,Other,finalEvalLoss,baselineAccuracy,roundsCompleted,uploads,"
            + "uploadBytes,rawUpdateBytes,uploadBytesPerClientRound,ratioToFp32,meanCosine,meanSnrDb,meanDeltaWCosine,"
            + "meanDeltaWSnrDb,secondsPerRound,round0Seconds,cleanCosine,cleanRelativeL2Error,noisyInputCosine,wallSeconds,"
            + "failureReason,aggregateDeltaWCosine";
    /** The runs header before the aggregate's dW cosine: such files still read back, without it. */
    static final String RUNS_HEADER_BEFORE_AGGREGATE_DELTA_W = RUNS_HEADER.replace(",aggregateDeltaWCosine", "");
    /** The runs header before the dW columns: such files still read back, without dW. */
    static final String RUNS_HEADER_BEFORE_DELTA_W = RUNS_HEADER_BEFORE_AGGREGATE_DELTA_W
            .replace("meanDeltaWCosine,meanDeltaWSnrDb,", "");

    private final BenchReport report;

    BenchCsv(BenchReport report) {
        this.report = report;
    }

    /** Every experiment, one line each. */
    String runs() {
        StringBuilder s = new StringBuilder(RUNS_HEADER).append('\n');
        for (RunResult r : report.results()) {
            BenchPlan.Run run = r.run();
            List<String> f = new ArrayList<>(List.of(run.group(), run.method().id(), csv(run.label()),
                    Long.toString(run.seed()), Integer.toString(run.compression()), num(run.noiseSigma()),
                    num(run.dpEpsilon()), r.experimentId() == null ? "" : r.experimentId(), r.status(), num(r.accuracy())));
            CEVAL_GROUPS.forEach(g -> f.add(num(r.accuracyByCategory().get(g))));
            f.addAll(List.of(num(r.evalLoss()), num(r.baselineAccuracy()), Integer.toString(r.roundsCompleted()),
                    Long.toString(r.uploads()), Long.toString(r.uploadBytes()), Long.toString(r.rawUpdateBytes()),
                    num(r.uploadBytesPerClientRound()), num(r.ratioToFp32()), num(r.cosine()), num(r.snrDb()),
                    num(r.deltaWCosine()), num(r.deltaWSnrDb()), num(r.secondsPerRound()), num(r.tgapSeconds()), num(r.cleanCosine()), num(r.cleanRelativeError()),
                    num(r.noisyInputCosine()), num(r.wallSeconds()), csv(r.failureReason()), num(r.aggregateDeltaWCosine())));
            s.append(String.join(",", f)).append('\n');
        }
        return s.toString();
    }

    static final String SUMMARY_HEADER = "group,method,label,compression,noiseSigma,dpEpsilon,seedsCompleted,seeds,"
            + "accuracyMean,accuracyStd,STEM,SocialScience,Humanities,Other,finalEvalLossMean,finalEvalLossStd,"
            + "uploadBytesPerClientRound,ratioToFp32,totalUploadBytes,meanCosine,meanSnrDb,secondsPerRound,cleanCosine,"
            + "cleanRelativeL2Error,meanDeltaWCosine,meanDeltaWSnrDb,aggregateDeltaWCosine";

    /** One line per configuration and group it appears in. */
    String summary() {
        StringBuilder s = new StringBuilder(SUMMARY_HEADER).append('\n');
        for (String group : List.of("main", "ratio", "noise", "dp")) {
            for (Row r : report.rows(group)) {
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
                        num(r.stat(RunResult::deltaWCosine).mean()), num(r.stat(RunResult::deltaWSnrDb).mean()),
                        num(r.stat(RunResult::aggregateDeltaWCosine).mean())));
                s.append(String.join(",", f)).append('\n');
            }
        }
        return s.toString();
    }

    /**
     * Reads {@link #runs()} back (to redraw the tables and plots of an earlier run: {@code --report-only DIR}).
     * The specs are not in the CSV; the runs come back without them.
     */
    static List<RunResult> read(String csv) {
        List<io.cgfed.core.data.Csv.Row> rows;
        try {
            // the reader, not a split on lines: a failure reason may hold a quoted line break
            rows = io.cgfed.core.data.Csv.parse(new java.io.StringReader(csv), "bench-runs.csv");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String first = rows.isEmpty() ? "" : String.join(",", rows.get(0).fields());
        if (!(first.equals(RUNS_HEADER) || first.equals(RUNS_HEADER_BEFORE_AGGREGATE_DELTA_W)
                || first.equals(RUNS_HEADER_BEFORE_DELTA_W))) {
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
                    dbl(v.get("cleanRelativeL2Error")), dbl(v.get("noisyInputCosine")), dbl(v.get("aggregateDeltaWCosine")),
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
}
