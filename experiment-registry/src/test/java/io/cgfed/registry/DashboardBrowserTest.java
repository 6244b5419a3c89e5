package io.cgfed.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The dashboard in a real browser: experiments posted through the registry's API as the coordinator
 * posts them, the pages opened in headless Chromium (Debian's {@code chromium}; {@code .ci/run}
 * installs it), the DOM after the scripts ran checked for the tables' values and for charts that
 * Chart.js drew with the right data, and screenshots saved under target/dashboard/. Skipped only when
 * no chromium binary is found.
 */
class DashboardBrowserTest extends RegistryHttpTestSupport {
    private static final Path OUT = Paths.get("target", "dashboard");
    private Path chromium;

    @BeforeEach
    void findChromium() {
        chromium = chromium();
        Assumptions.assumeTrue(chromium != null, "no chromium binary found (looked for $CHROMIUM, chromium, "
                + "chromium-browser, google-chrome on PATH): the dashboard's browser test is skipped; install Debian's "
                + "chromium (apt-get install -y chromium, as .ci/run does) to run it");
    }

    static Path chromium() {
        List<String> candidates = new ArrayList<>();
        if (System.getenv("CHROMIUM") != null) {
            candidates.add(System.getenv("CHROMIUM"));
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                candidates.add(Paths.get(dir, name).toString());
            }
        }
        return candidates.stream().map(Paths::get).filter(Files::isExecutable).findFirst().orElse(null);
    }

    /** The README demo's three rounds, with three clients each, as the coordinator records them. */
    UUID experiment(String name, String codec, String status, double[] accuracy, double[] evalLoss, long bytesPerClient,
                    double cosine, double snrDb) throws Exception {
        UUID id = UUID.randomUUID();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("finalAccuracy", accuracy[accuracy.length - 1]);
        if (codec.equals("cgae")) {
            Map<String, Object> v1 = new LinkedHashMap<>();
            v1.put("version", 1);
            v1.put("origin", "TGAP");
            v1.put("parentVersion", null);
            v1.put("status", "READY");
            v1.put("architecture", "linear");
            v1.put("snapshots", 12);
            v1.put("quality", Map.of("cosine", 0.9312));
            v1.put("weightsBytes", 65536);
            v1.put("history", List.of(Map.of("epoch", 1, "trainLoss", 0.5, "heldOutLoss", 0.6),
                    Map.of("epoch", 2, "trainLoss", 0.3, "heldOutLoss", 0.4),
                    Map.of("epoch", 3, "trainLoss", 0.2, "heldOutLoss", 0.35)));
            summary.put("codecVersions", List.of(v1));
        }
        ObjectNode e = experiment(id, status, spec(), summary);
        e.put("name", name);
        e.put("codec", codec);
        assertThat(send("POST", "/api/v1/experiments", e).statusCode()).isEqualTo(200);
        for (int r = 0; r < accuracy.length; r++) {
            List<Map<String, Object>> clients = new ArrayList<>();
            for (int c = 0; r > 0 && c < 3; c++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("client", c);
                boolean late = r == 2 && c == 2; // its task was handed to another worker, and its update counted
                row.put("outcome", late ? "LATE" : "ON_TIME");
                row.put("reason", late ? "its task was handed to another worker (2 tasks)" : null);
                row.put("worker", "0badc0de-0000-4000-8000-00000000000" + c);
                row.put("timeMs", 2000 + 100 * c);
                row.put("tasks", late ? 2 : 1);
                row.put("samples", 400);
                row.put("wireBytes", bytesPerClient);
                row.put("rawBytes", 28672);
                row.put("trainLoss", evalLoss[r] + 0.1 * c);
                row.put("cosine", cosine - 0.001 * c);
                row.put("relativeL2Error", Math.sqrt(1 - cosine * cosine));
                row.put("snrDb", snrDb - c);
                row.put("deltaWCosine", 0.75);
                row.put("deltaWSnrDb", 6.5);
                row.put("trainMs", 1500.0 + c);
                clients.add(row);
            }
            if (r == 3) { // a fourth client whose task failed: it sent nothing
                Map<String, Object> failed = new LinkedHashMap<>();
                failed.put("client", 3);
                failed.put("outcome", "FAILED");
                failed.put("reason", "task failed: CUDA out of memory");
                failed.put("worker", "0badc0de-0000-4000-8000-000000000003");
                failed.put("tasks", 1);
                clients.add(failed);
            }
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("clients", clients);
            Map<String, Object> phases = new LinkedHashMap<>();
            phases.put("collectingMs", r == 0 ? null : 1000 + 100 * r);
            phases.put("aggregationMs", r == 0 ? null : 200);
            phases.put("codecTrainingMs", codec.equals("cgae") && r > 0 ? 300 : null);
            phases.put("evaluationMs", r == 0 ? 800 : 500);
            phases.put("totalMs", 1900);
            metrics.put("phases", phases);
            // four C-Eval groups of ten examples, spread around the round's accuracy (their average)
            metrics.put("accuracyByCategory", Map.of("STEM", accuracy[r], "Social Science", accuracy[r] - 0.05,
                    "Humanities", accuracy[r] + 0.05, "Other", accuracy[r]));
            metrics.put("examplesByCategory", Map.of("STEM", 10, "Social Science", 10, "Humanities", 10, "Other", 10));
            if (r > 0) { // what the round's strategy did, as the coordinator records it
                metrics.put("strategy", Map.of("strategy", "krum", "chosenClients", List.of(r % 3), "serverStepNorm", 0.0125));
            }
            if (r > 0 && codec.equals("cgae")) {
                metrics.put("codecVersion", 1);
                metrics.put("aggregateCosine", 0.97);
            }
            assertThat(send("PUT", rounds(id, r), round(r, clients.size(), r == 0 ? null : evalLoss[r] + 0.2, evalLoss[r],
                    accuracy[r], r == 0 ? 0 : 3 * bytesPerClient, r == 0 ? 0 : 3 * 28672, 1900, metrics)).statusCode())
                    .isEqualTo(204);
        }
        // its files at the coordinator: one adapter version per round, the codec's version 1
        Map<Integer, FakeCoordinator.Version> adapters = new LinkedHashMap<>();
        for (int r = 0; r < accuracy.length; r++) {
            adapters.put(r, new FakeCoordinator.Version(bytes(28_672 + r, r), bytes(30_000 + r, 100 + r)));
        }
        COORDINATOR.experiment(id, adapters);
        if (codec.equals("cgae")) {
            COORDINATOR.codecVersions(id, Map.of(1, bytes(65_536, 7)));
        }
        return id;
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /** The page's DOM after its scripts ran (and fetched), as Chromium serialises it. */
    String dom(String page) throws Exception {
        String html = chromium(page, "--dump-dom");
        assertThat(html).as(page).contains("data-ready=\"true\"");
        return html;
    }

    void screenshot(String page, String file) throws Exception {
        Files.createDirectories(OUT);
        Path png = OUT.resolve(file).toAbsolutePath();
        Files.deleteIfExists(png);
        chromium(page, "--screenshot=" + png, "--window-size=1400,1500", "--hide-scrollbars");
        assertThat(png).exists();
        assertThat(Files.size(png)).isBetween(10_000L, 1_000_000L);
    }

    private String chromium(String page, String... what) throws Exception {
        Path profile = Files.createTempDirectory("cgfed-chromium");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=8000",
                "--run-all-compositor-stages-before-draw"));
        cmd.addAll(List.of(what));
        cmd.add("http://localhost:" + port + "/" + page);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("chromium finished " + page).isTrue();
        } finally {
            p.destroyForcibly();
            deleteQuietly(profile);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** A canvas's data-series (the values its chart draws) and data-rendered (points Chart.js laid out). */
    static JsonNode series(String dom, String canvasId) {
        Matcher tag = Pattern.compile("<canvas[^>]*\\bid=\"" + canvasId + "\"[^>]*>").matcher(dom);
        assertThat(tag.find()).as("canvas " + canvasId).isTrue();
        String attrs = tag.group();
        Matcher rendered = Pattern.compile("data-rendered=\"([0-9,]*)\"").matcher(attrs);
        assertThat(rendered.find()).as("chart " + canvasId + " rendered: " + attrs).isTrue();
        assertThat(rendered.group(1)).as("points drawn on " + canvasId).matches("[1-9][0-9]*(,[0-9]+)*");
        assertThat(attrs).as("Chart.js sized the canvas").contains("width=").contains("height=");
        Matcher data = Pattern.compile("data-series=\"([^\"]*)\"").matcher(attrs);
        assertThat(data.find()).isTrue();
        return JSON.readTree(data.group(1).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&amp;", "&"));
    }

    static List<Double> numbers(JsonNode array) {
        List<Double> out = new ArrayList<>();
        array.forEach(v -> out.add(v.isNull() ? null : v.asDouble()));
        return out;
    }

    static int count(String dom, String needle) {
        return dom.split(Pattern.quote(needle), -1).length - 1;
    }

    @Test
    void theDashboardRendersRealDataInChromium() throws Exception {
        String tag = "dash" + UUID.randomUUID().toString().substring(0, 6);
        UUID fp16 = experiment(tag + "-fp16", "fp16", "COMPLETED", new double[]{0.25, 0.34, 0.425, 0.575},
                new double[]{8.1055, 1.4336, 1.3491, 1.0317}, 16384, 0.99999, 96.0);
        UUID int8 = experiment(tag + "-int8", "int8", "COMPLETED", new double[]{0.25, 0.33, 0.41, 0.55},
                new double[]{8.1055, 1.45, 1.37, 1.06}, 8192, 0.9995, 48.0);
        UUID cgae = experiment(tag + "-cgae", "cgae", "RUNNING", new double[]{0.25, 0.3, 0.385},
                new double[]{8.1055, 1.6, 1.45}, 512, 0.93, 11.5);

        // the list: every experiment with its status, codec, rounds, best accuracy and total bytes
        String list = dom("index.html?name=" + tag);
        for (UUID id : List.of(fp16, int8, cgae)) {
            assertThat(list).contains("data-id=\"" + id + "\"");
        }
        assertThat(list).contains("<td class=\"num best-accuracy\">0.575</td>")
                .contains("<td class=\"num best-accuracy\">0.550</td>")
                .contains("<td class=\"num best-accuracy\">0.385</td>")
                .contains("data-bytes=\"147456\"").contains("144.0 KiB")
                .contains("class=\"status RUNNING\"").contains("1–3 of 3");

        // one experiment: curves per round, the rounds and the per-client table
        String one = dom("experiment.html?id=" + fp16);
        JsonNode quality = series(one, "quality");
        assertThat(numbers(quality.path("labels"))).containsExactly(0.0, 1.0, 2.0, 3.0);
        assertThat(numbers(quality.path("datasets").get(1).path("data"))).containsExactly(0.25, 0.34, 0.425, 0.575);
        assertThat(numbers(quality.path("datasets").get(0).path("data"))).containsExactly(8.1055, 1.4336, 1.3491, 1.0317);
        JsonNode bytes = series(one, "bytes");
        assertThat(numbers(bytes.path("datasets").get(0).path("data"))).containsExactly(0.0, 49152.0, 98304.0, 147456.0);
        JsonNode reconstruction = series(one, "reconstruction");
        assertThat(reconstruction.path("datasets").get(0).path("data").get(0).asDouble()).isCloseTo(0.99899,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(numbers(reconstruction.path("datasets").get(2).path("data"))).containsExactly(95.0, 95.0, 95.0);
        assertThat(one).contains("<td class=\"num accuracy\">0.575</td>").contains("<td class=\"num accuracy\">0.250</td>");
        assertThat(count(one, "<tr data-round=\"3\" data-client=")).isEqualTo(4);
        assertThat(Pattern.compile("<tr data-round=\"\\d\" data-client=\"\\d\">").matcher(one).results().count())
                .isEqualTo(10);
        // each client's outcome, and each round's: on time / late / failed, and its phases
        assertThat(count(one, "<span class=\"outcome ON_TIME\">on time</span>")).isEqualTo(8);
        assertThat(one).contains("<td class=\"outcome-cell\" title=\"its task was handed to another worker (2 tasks)\">"
                + "<span class=\"outcome LATE\">late</span>");
        assertThat(one).contains("<td class=\"outcome-cell\" title=\"task failed: CUDA out of memory\">"
                + "<span class=\"outcome FAILED\">failed</span>");
        assertThat(one).contains("<td class=\"num outcomes\">3 / 0 / 0</td>").contains("<td class=\"num outcomes\">2 / 1 / 0</td>")
                .contains("<td class=\"num outcomes\">3 / 0 / 1</td>");
        assertThat(one).contains("<td class=\"num phase-collecting\">1.3 s</td>")
                .contains("<td class=\"num phase-aggregation\">0.2 s</td>")
                .contains("<td class=\"num phase-evaluation\">0.8 s</td>").contains("<td class=\"num time\">2.2 s</td>");
        JsonNode phases = series(one, "phases");
        assertThat(numbers(phases.path("datasets").get(0).path("data"))).containsExactly(null, 1.1, 1.2, 1.3);
        assertThat(numbers(phases.path("datasets").get(3).path("data"))).containsExactly(0.8, 0.5, 0.5, 0.5);
        // accuracy by C-Eval group per round, and their average
        JsonNode groups = series(one, "groups");
        assertThat(groups.path("datasets").get(1).path("label").asString()).isEqualTo("Social Science");
        assertThat(numbers(groups.path("datasets").get(0).path("data"))).containsExactly(0.25, 0.34, 0.425, 0.575);
        assertThat(groups.path("datasets").get(2).path("data").get(3).asDouble()).isCloseTo(0.625,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(groups.path("datasets").get(4).path("data").get(3).asDouble()).isCloseTo(0.575,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(one).contains("<td class=\"num group-humanities\">0.625</td>")
                .contains("<td class=\"num group-averageOfGroups\">0.575</td>");
        // artifacts: every adapter version, with its size and SHA-256, to download
        assertThat(count(one, "<tr data-kind=\"ADAPTER\"")).isEqualTo(4);
        assertThat(one).contains("<td class=\"num size\" data-bytes=\"28675\">28.0 KiB</td>")
                .contains("title=\"" + FakeCoordinator.sha256(bytes(28_675, 3)) + "\"")
                .contains("href=\"api/v1/experiments/" + fp16 + "/adapters/3\"")
                .contains("href=\"api/v1/experiments/" + fp16 + "/adapters/3/peft\"");
        assertThat(one).doesNotContain("data-kind=\"CODEC\"");
        assertThat(one).contains("<td class=\"num cosine\">0.9990</td>").contains("<td class=\"num snr\">94.0</td>");
        assertThat(one).contains("<td class=\"num dw-cosine\">0.7500</td>").contains("<td class=\"num dw-snr\">6.5</td>");
        // each round's strategy diagnostics in the rounds table
        assertThat(one).contains("<td class=\"strategy\">krum: chosen 2 · step 0.0125</td>")
                .contains("<td class=\"strategy\">–</td>");
        screenshot("experiment.html?id=" + fp16, "experiment.png");
        String docs = System.getProperty("cgfed.dashboard.screenshot");
        if (docs != null && !docs.isBlank()) { // -Dcgfed.dashboard.screenshot=../docs/dashboard.png refreshes the README's
            Files.copy(OUT.resolve("experiment.png"), Paths.get(docs), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }

        // a running experiment refreshes itself
        String running = dom("experiment.html?id=" + cgae);
        assertThat(running).contains("Live: refreshing every 5 s");
        assertThat(running).contains("<tr data-version=\"1\"><td class=\"num\">1</td><td>TGAP</td>")
                .contains("cosine 0.9312").contains("64.0 KiB");
        assertThat(numbers(series(running, "reconstruction").path("datasets").get(1).path("data"))).containsExactly(0.97, 0.97);
        // the codec's TGAP curve, and its weights among the artifacts
        JsonNode tgap = series(running, "tgap");
        assertThat(numbers(tgap.path("labels"))).containsExactly(1.0, 2.0, 3.0);
        assertThat(numbers(tgap.path("datasets").get(0).path("data"))).containsExactly(0.5, 0.3, 0.2);
        assertThat(numbers(tgap.path("datasets").get(1).path("data"))).containsExactly(0.6, 0.4, 0.35);
        assertThat(running).contains("<tr data-kind=\"CODEC\" data-version=\"1\"><td>codec TGAP</td>")
                .contains("data-bytes=\"65536\"").contains("title=\"" + FakeCoordinator.sha256(bytes(65_536, 7)) + "\"")
                .contains("href=\"api/v1/experiments/" + cgae + "/codec-versions/1/weights\"");
        assertThat(one).contains("id=\"tgap-card\" hidden");
        assertThat(running).contains("<td class=\"num phase-codec\">0.3 s</td>");

        // compare: accuracy against upload bytes, one series per codec
        String compare = dom("compare.html?ids=" + fp16 + "," + int8 + "," + cgae);
        JsonNode scatter = series(compare, "scatter");
        List<String> codecs = new ArrayList<>();
        scatter.path("datasets").forEach(d -> codecs.add(d.path("label").asString()));
        assertThat(codecs).containsExactly("fp16", "int8", "cgae");
        JsonNode point = scatter.path("datasets").get(1).path("data").get(0);
        assertThat(point.path("x").asLong()).isEqualTo(3 * 3 * 8192);
        assertThat(point.path("y").asDouble()).isEqualTo(0.55);
        assertThat(compare).contains("<td class=\"num final-accuracy\">0.575</td>")
                .contains("<td class=\"num final-accuracy\">0.385</td>");
        screenshot("compare.html?ids=" + fp16 + "," + int8 + "," + cgae, "compare.png");
        screenshot("index.html?name=" + tag, "list.png");
    }

    @Test
    void pagesAndTheChartLibraryNeedNoKeyAndNoNetwork() throws Exception {
        for (String page : List.of("/", "/index.html", "/experiment.html", "/compare.html", "/dashboard.js",
                "/dashboard.css", "/webjars/chart.js/4.4.1/dist/chart.umd.js")) {
            var r = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port + page))
                    .header("Accept", "text/html,*/*;q=0.8").GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(page).isEqualTo(200);
            assertThat(r.body()).as(page).doesNotContain("https://cdn").doesNotContain("//unpkg")
                    .doesNotContain("jsdelivr");
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary profile left behind
        }
    }
}
