package io.cgfed.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;

/**
 * {@code ./cgfed bench} through real processes: embedded PostgreSQL, the services and three workers,
 * two methods for one round and one noise point, then the tables, CSV and plots it wrote.
 */
class BenchIT {

    @Test
    void twoMethodsAndANoisePointRunThroughTheServicesIntoTablesCsvAndPlots() throws Exception {
        Path home = Path.of(System.getProperty("cgfed.home", "..")).toAbsolutePath().normalize();
        Path out = Files.createTempDirectory("cgfed-bench-it-");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        BenchOptions o = BenchOptions.parse(new String[] {"--methods", "lora-ft,topk-ef", "--seeds", "1", "--rounds", "1",
                "--sweeps", "noise", "--noise-methods", "lora-ft", "--noise-sigmas", "0.5", "--out", out.toString(),
                "--work-dir", out.resolve("work").toString(), "--timeout-minutes", "5"});
        int exit = new Bench(o, new PrintStream(console, true, StandardCharsets.UTF_8)).run(home);
        String printed = console.toString(StandardCharsets.UTF_8);

        assertThat(exit).as(printed).isZero();
        assertThat(printed).contains("3 of 3 experiments COMPLETED", "/compare.html?ids=");

        List<String> lines = Files.readAllLines(out.resolve("bench-runs.csv"));
        assertThat(lines).hasSize(4);
        List<String> header = Arrays.asList(lines.get(0).split(","));
        Map<String, Map<String, String>> byKey = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            // the label is the only quoted field; drop it before splitting
            String[] f = line.replaceAll("\"[^\"]*\"", "label").split(",", -1);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.size(); i++) {
                row.put(header.get(i), f[i]);
            }
            byKey.put(row.get("group") + "/" + row.get("method"), row);
        }
        Map<String, String> lora = byKey.get("main/lora-ft");
        Map<String, String> topk = byKey.get("main/topk-ef");
        Map<String, String> noisy = byKey.get("noise/lora-ft");
        for (Map<String, String> r : List.of(lora, topk, noisy)) {
            assertThat(r.get("status")).isEqualTo("COMPLETED");
            assertThat(r.get("roundsCompleted")).isEqualTo("1");
            assertThat(Double.parseDouble(r.get("accuracy"))).isBetween(0.0, 1.0);
            assertThat(Double.parseDouble(r.get("finalEvalLoss"))).isPositive();
            assertThat(r.get("uploads")).isEqualTo("3");
        }
        // fp32 plus the header against top-k at 1/64 of the body
        double loraBytes = Double.parseDouble(lora.get("uploadBytesPerClientRound"));
        double topkBytes = Double.parseDouble(topk.get("uploadBytesPerClientRound"));
        assertThat(Double.parseDouble(lora.get("ratioToFp32"))).isGreaterThan(1.0);
        assertThat(topkBytes).isLessThan(loraBytes / 5);
        // reconstruction quality from the registry's comparison: exact for fp32, partial for top-k
        assertThat(Double.parseDouble(lora.get("meanCosine"))).isGreaterThan(0.9999);
        assertThat(Double.parseDouble(topk.get("meanCosine"))).isBetween(0.01, 0.99);
        // noise of sigma 0.5 swamps the update; the fp32 codec passes the noisy input on exactly
        double clean = Double.parseDouble(noisy.get("cleanCosine"));
        assertThat(clean).isLessThan(0.5);
        assertThat(clean).isCloseTo(Double.parseDouble(noisy.get("noisyInputCosine")), org.assertj.core.data.Offset.offset(1e-4));
        assertThat(Double.parseDouble(noisy.get("cleanRelativeL2Error"))).isGreaterThan(1.0);

        String md = Files.readString(out.resolve("bench.md"));
        assertThat(md).contains("| LoRA-FT (federated, fp32) | 1/1 |", "| topk 1/64 + EF | 1/1 |", "| STEM (%) |",
                "### Sweep: Gaussian noise");
        assertThat(Files.readAllLines(out.resolve("registry-compare.csv"))).hasSize(4);
        for (String svg : List.of("accuracy-vs-bytes.svg", "sweep-noise-error.svg", "sweep-noise-accuracy.svg")) {
            var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(out.resolve(svg).toFile());
            assertThat(doc.getElementsByTagName("circle").getLength()).as(svg).isGreaterThanOrEqualTo(2);
        }
    }
}
