package io.cgfed.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

class BenchReportTest {
    private static final BenchPlan.Budget BUDGET = BenchPlan.budget(BenchOptions.parse(new String[0]));

    private static RunResult result(String method, long seed, int compression, double sigma, double eps, double accuracy,
                                    double bytesPerClientRound, double cosine, double snr) {
        BenchMethod m = BenchMethod.byId(method);
        String group = sigma > 0 ? "noise" : eps > 0 ? "dp" : compression != 64 ? "ratio" : "main";
        BenchPlan.Run run = new BenchPlan.Run(group, m, seed, compression, sigma, eps,
                BenchPlan.spec(m, seed, compression, sigma, eps, 1.0, BUDGET));
        Map<String, Double> cats = Map.of("STEM", accuracy - 0.02, "Social Science", accuracy + 0.01,
                "Humanities", accuracy, "Other", accuracy + 0.02);
        long uploads = 15;
        long up = (long) (bytesPerClientRound * uploads);
        return new RunResult(run, "00000000-0000-0000-0000-00000000000" + seed, "COMPLETED", null, accuracy, cats,
                1.5 - accuracy, 0.25, 5, uploads, up, uploads * 28_672, bytesPerClientRound, (double) up / (uploads * 28_672),
                cosine, snr, cosine - 0.05, snr - 1, 2.0 + seed, 5.0, sigma > 0 ? 0.3 : null, sigma > 0 ? sigma * 100 : null,
                sigma > 0 ? 0.9 : null, null, 20.0);
    }

    private static List<RunResult> sample() {
        List<RunResult> r = new ArrayList<>();
        r.add(result("lora-ft", 1, 64, 0, 0, 0.60, 30_690, 1.0, 999));
        r.add(result("lora-ft", 2, 64, 0, 0, 0.50, 30_690, 1.0, 999));
        r.add(result("cgae-ef", 1, 64, 0, 0, 0.40, 2_520, 0.35, 0.6));
        r.add(result("cgae-ef", 2, 64, 0, 0, 0.44, 2_520, 0.37, 0.7));
        r.add(result("cgae-ef", 1, 16, 0, 0, 0.45, 3_800, 0.40, 0.9));
        r.add(result("cgae-ef", 1, 256, 0, 0, 0.30, 2_100, 0.20, 0.1));
        r.add(result("cgae", 1, 64, 5e-3, 0, 0.28, 2_600, 0.35, 0.5));
        r.add(result("cgae", 1, 64, 5e-1, 0, 0.26, 2_600, 0.01, 0.0));
        r.add(result("cgae", 1, 64, 0, 8, 0.27, 2_600, 0.30, 0.4));
        r.add(RunResult.failed(new BenchPlan.Run("main", BenchMethod.byId("fp16"), 1, 64, 0, 0,
                BenchPlan.spec(BenchMethod.byId("fp16"), 1, 64, 0, 0, 1.0, BUDGET)), null, "refused: 400", 0.1));
        return r;
    }

    @Test
    void theMainTableAveragesOverSeedsWithTheirSpreadAndMarksExactReconstruction() {
        String md = new BenchReport(sample()).markdown("## run\n");
        String lora = md.lines().filter(l -> l.startsWith("| LoRA-FT")).findFirst().orElseThrow();
        // accuracy 0.60 and 0.50: mean 55.0 %, sample std 7.1 points; categories in C-Eval order
        assertThat(lora).contains("| 2/2 |", "| 55.0 ± 7.1 |", "| 53.0 ± 7.1 | 56.0 ± 7.1 | 55.0 ± 7.1 | 57.0 ± 7.1 |",
                "| 30,690 |", "| 107.0 % |", "| exact |", "| 3.5 ± 0.7 | 5.0 |");
        String cgae = md.lines().filter(l -> l.startsWith("| cgae 1/64, adaptive")).findFirst().orElseThrow();
        assertThat(cgae).contains("| 42.0 ± 2.8 |", "| 2,520 |", "| 8.79 % |", "| 0.360 ± 0.014 |");
        assertThat(md).contains("| STEM (%) | Social Science (%) | Humanities (%) | Other (%) | Average (%) |");
        // the failed experiment is a row with no values and is listed with its reason
        assertThat(md).contains("| fp16 | 0/1 | - |", "### Failed experiments", "refused: 400");
    }

    @Test
    void sweepTablesHoldTheirPointsInOrderWithTheMainTablesPointAtTheDefaultRatio() {
        String md = new BenchReport(sample()).markdown("");
        String ratio = md.substring(md.indexOf("### Sweep: compression ratio"), md.indexOf("### Sweep: Gaussian"));
        List<String> lines = ratio.lines().filter(l -> l.startsWith("| cgae")).toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("| 1/16 |", "| 45.0 |");
        assertThat(lines.get(1)).contains("| 1/64 |", "| 42.0 ± 2.8 |");
        assertThat(lines.get(2)).contains("| 1/256 |", "| 30.0 |");
        String noise = md.substring(md.indexOf("### Sweep: Gaussian"), md.indexOf("### Sweep: client-side"));
        assertThat(noise).contains("| 0.005 | 0.300 | 0.500 | 0.900 | 28.0 |", "| 0.5 | 0.300 | 50.0 | 0.900 | 26.0 |");
        assertThat(md).contains("| Compress-FT: cgae 1/64, TGAP, FAF frozen | 8 | 27.0 |");
    }

    @Test
    void csvHasOneLinePerExperimentAndPerConfigurationWithQuotedLabels() {
        BenchReport report = new BenchReport(sample());
        List<String> runs = report.runsCsv().lines().toList();
        assertThat(runs.get(0)).isEqualTo(BenchCsv.RUNS_HEADER);
        assertThat(runs).hasSize(1 + sample().size());
        int columns = BenchCsv.RUNS_HEADER.split(",").length;
        String lora = runs.get(1);
        assertThat(lora).startsWith("main,lora-ft,\"LoRA-FT (federated, fp32)\",1,64,0.0,0.0,");
        assertThat(lora.replace("\"LoRA-FT (federated, fp32)\"", "x").split(",", -1)).hasSize(columns);
        assertThat(lora).contains(",COMPLETED,0.6,");
        assertThat(runs.get(runs.size() - 1)).contains(",FAILED,").endsWith(",refused: 400,");
        List<String> summary = report.summaryCsv().lines().toList();
        assertThat(summary.get(0)).isEqualTo(BenchCsv.SUMMARY_HEADER);
        assertThat(summary).anyMatch(l -> l.startsWith("main,lora-ft,") && l.contains(",2,2,0.55,"));
        assertThat(summary).anyMatch(l -> l.startsWith("ratio,cgae-ef,") && l.contains(",256,"));
    }

    @Test
    void plotsAreWellFormedSvgWithOnePointPerMethodOrSweepStep(@TempDir Path dir) throws Exception {
        BenchReport report = new BenchReport(sample());
        List<Path> files = report.write(dir, "## test\n");
        assertThat(files).extracting(p -> p.getFileName().toString()).contains("bench.md", "bench-runs.csv",
                "bench-summary.csv", "accuracy-vs-bytes.svg", "sweep-ratio.svg", "sweep-noise-error.svg",
                "sweep-noise-accuracy.svg", "sweep-dp.svg");
        Document acc = xml(Files.readString(dir.resolve("accuracy-vs-bytes.svg")));
        // three main configurations with results (lora-ft, cgae-ef; fp16 failed) and the ratio sweep's 3 points
        assertThat(acc.getElementsByTagName("g").getLength()).isEqualTo(3);
        assertThat(circlesIn(acc, "lora-ft")).isEqualTo(1);
        assertThat(circlesIn(acc, "cgae-ef (ratio sweep)")).isEqualTo(3);
        assertThat(Files.readString(dir.resolve("accuracy-vs-bytes.svg"))).contains("upload bytes per client-round (log)",
                ">1,000<", ">10,000<");
        Document noise = xml(Files.readString(dir.resolve("sweep-noise-error.svg")));
        assertThat(circlesIn(noise, "cgae")).isEqualTo(2);
        assertThat(Files.size(dir.resolve("accuracy-vs-bytes.svg"))).isLessThan(50_000);
    }

    @Test
    void logAxesTickAtDecadesAndLeavePointsTheyCannotDrawOut() {
        SvgPlot p = new SvgPlot("a < b", "x", "y").logX().logY()
                .series("s", List.of(new SvgPlot.Point(5e-5, 0.1), new SvgPlot.Point(0.5, 20), new SvgPlot.Point(0, 1),
                        new SvgPlot.Point(1, -1)), true);
        assertThat(p.series().get(0).points()).hasSize(2);
        assertThat(p.range(true)).containsExactly(1e-5, 1.0);
        assertThat(SvgPlot.ticks(p.range(true), true)).hasSize(6);
        assertThat(SvgPlot.tickLabel(1e-5, true)).isEqualTo("1e-5");
        assertThat(SvgPlot.tickLabel(5e-4, true)).isEqualTo("5e-4");
        assertThat(SvgPlot.tickLabel(2000, true)).isEqualTo("2,000");
        assertThat(SvgPlot.ticks(new double[] {0, 1}, false)).containsExactly(0.0, 0.2, 0.4, 0.6, 0.8, 1.0);
        assertThat(SvgPlot.ticks(new double[] {0.21, 0.29}, false)).containsExactly(0.21, 0.22, 0.23, 0.24, 0.25, 0.26, 0.27, 0.28, 0.29);
        assertThat(p.render()).contains("<polyline", "&lt;").doesNotContain("NaN");
    }

    @Test
    void theRunsCsvReadsBackIntoTheSameTables() throws Exception {
        BenchReport report = new BenchReport(sample());
        List<RunResult> back = BenchReport.readRuns(report.runsCsv());
        assertThat(back).hasSize(sample().size());
        assertThat(back.get(0).accuracyByCategory()).isEqualTo(sample().get(0).accuracyByCategory());
        assertThat(new BenchReport(back).markdown("")).isEqualTo(report.markdown(""));
        assertThat(io.cgfed.core.data.Csv.parse(new java.io.StringReader("a,\"b, \"\"c\"\"\",,d"), "line").get(0).fields())
                .containsExactly("a", "b, \"c\"", "", "d");
        assertThat(BenchCsv.csv("b, \"c\"")).isEqualTo("\"b, \"\"c\"\"\"");
    }

    @Test
    void accuracyPlotsCarryTheUntrainedModelAsAReferenceAndLabelsDoNotOverlap() {
        String svg = new BenchReport(sample()).plots().get("accuracy-vs-bytes.svg").render();
        assertThat(svg).contains("class=\"reference\"", "untrained (round 0): 0.250");
        List<double[]> placed = new ArrayList<>();
        double[] a = SvgPlot.place(placed, 100, 100, 40, 11);
        double[] b = SvgPlot.place(placed, 110, 102, 40, 11);
        assertThat(a).containsExactly(100, 100);
        assertThat(b[1]).isNotEqualTo(102);
        assertThat(Math.abs(b[1] - 102)).isGreaterThanOrEqualTo(12);
    }

    private static Document xml(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
    }

    private static int circlesIn(Document d, String series) {
        var groups = d.getElementsByTagName("g");
        for (int i = 0; i < groups.getLength(); i++) {
            var g = (org.w3c.dom.Element) groups.item(i);
            if (g.getAttribute("data-name").equals(series)) {
                return g.getElementsByTagName("circle").getLength();
            }
        }
        return -1;
    }
}
