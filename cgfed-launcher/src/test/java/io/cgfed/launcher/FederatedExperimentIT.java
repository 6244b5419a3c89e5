package io.cgfed.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole platform as a user runs it: embedded PostgreSQL, the four services and three workers as
 * separate processes on localhost, real HTTP between them, real DJL training. Needs the service
 * jars, so it runs in the integration-test phase ({@code ./mvnw verify}).
 */
class FederatedExperimentIT {
    private static Platform platform;
    private static final ByteArrayOutputStream console = new ByteArrayOutputStream();

    @BeforeAll
    static void startPlatform() throws Exception {
        Path home = Path.of(System.getProperty("cgfed.home", "..")).toAbsolutePath().normalize();
        Path work = Files.createTempDirectory("cgfed-it-");
        // reads closed, as in production: the workers' downloads and the registry's adapter streaming
        // must carry their credentials
        platform = new Platform(new Platform.Settings(home, work, 3, 0, false, 1), false);
        platform.start(new PrintStream(console, true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stopPlatform() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void threeClientsCompleteTwoRoundsWithAnAdapterVersionAndEvaluationPerRound() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DemoRun run = new DemoRun(new CoordinatorApi(platform.coordinatorUrl(), platform.adminApiKey()), new PrintStream(out, true, StandardCharsets.UTF_8));
        JsonNode e = run.run(DemoRun.demoSpec("fp16", 3, 2), Duration.ofMinutes(8));

        assertThat(e.get("status").asString()).as("failure: %s", e.get("failureReason")).isEqualTo("COMPLETED");
        List<Integer> versions = new ArrayList<>();
        e.get("adapterVersions").forEach(v -> versions.add(v.get("version").asInt()));
        assertThat(versions).containsExactly(0, 1, 2);

        JsonNode rounds = e.get("roundSummaries");
        assertThat(rounds).hasSize(3);
        for (JsonNode r : rounds) {
            assertThat(r.get("status").asString()).isEqualTo("CLOSED");
            assertThat(r.get("evalLoss").isNumber()).isTrue();
            assertThat(r.get("accuracy").isNumber()).isTrue();
        }
        for (int i = 1; i <= 2; i++) {
            JsonNode r = rounds.get(i);
            assertThat(r.get("uploads").asInt()).isEqualTo(3);
            assertThat(r.get("trainLoss").isNumber()).isTrue();
            // fp16 sends half the raw bytes plus a small header per client
            assertThat(r.get("uploadBytes").asLong()).isLessThan(r.get("rawUpdateBytes").asLong() * 3 / 4);
        }
        // the worker's evaluation came with example counts per category: a C-Eval-style table
        assertThat(rounds.get(2).get("cevalTable").asString())
                .contains("| STEM |", "| Humanities |", "| Average (examples) |", "| Average (groups) |");
        double baseline = rounds.get(0).get("evalLoss").asDouble();
        double last = rounds.get(2).get("evalLoss").asDouble();
        assertThat(last).as("federated training lowers held-out loss").isLessThan(baseline);
        assertThat(rounds.get(2).get("accuracy").asDouble()).isGreaterThan(rounds.get(0).get("accuracy").asDouble());

        // the registry holds the same run, round by round (posted right after each commit)
        String id = e.get("id").asString();
        JsonNode record = get(platform.registryUrl() + "/api/v1/experiments/" + id);
        for (int i = 0; i < 50 && !record.get("status").asString().equals("COMPLETED"); i++) {
            Thread.sleep(200);
            record = get(platform.registryUrl() + "/api/v1/experiments/" + id);
        }
        assertThat(record.get("status").asString()).isEqualTo("COMPLETED");
        // a sync posts the experiment first, then its rounds one by one: the last round may trail the status
        JsonNode registryRounds = awaitRegistryRounds(id, 3);
        assertThat(registryRounds).hasSize(3);
        assertThat(registryRounds.get(2).get("evalLoss").asDouble()).isEqualTo(last);
        assertThat(registryRounds.get(1).get("uploadBytes").asLong()).isEqualTo(rounds.get(1).get("uploadBytes").asLong());
        assertThat(registryRounds.get(2).get("metrics").get("examplesByCategory").get("STEM").asInt()).isPositive();
        // each round's phases and each client's outcome, as the coordinator recorded them
        for (int i = 1; i <= 2; i++) {
            JsonNode r = registryRounds.get(i);
            JsonNode phases = r.get("phases");
            assertThat(phases.get("collectingMs").asLong()).as("round %d: %s", i, phases).isPositive();
            assertThat(phases.get("aggregationMs").asLong()).isGreaterThanOrEqualTo(0);
            assertThat(phases.get("evaluationMs").asLong()).isPositive();
            assertThat(phases.get("codecTrainingMs").isNull()).isTrue();
            assertThat(phases.get("totalMs").asLong()).isEqualTo(r.get("durationMs").asLong())
                    .isGreaterThanOrEqualTo(phases.get("collectingMs").asLong() + phases.get("evaluationMs").asLong());
            assertThat(r.get("outcomes").get("onTime").asInt()).isEqualTo(3);
            assertThat(r.get("clientRows")).hasSize(3);
            for (JsonNode c : r.get("clientRows")) {
                assertThat(c.get("outcome").asString()).isEqualTo("ON_TIME");
                assertThat(c.get("samples").asLong()).isPositive();
                assertThat(c.get("localLoss").isNumber()).isTrue();
                assertThat(c.get("uploadBytes").asLong()).isPositive();
                assertThat(c.get("timeMs").asLong()).isPositive();
                assertThat(c.get("worker").asString()).hasSize(36);
            }
            // accuracy per C-Eval group; its example-weighted average is the round's accuracy
            JsonNode groups = r.get("categoryAccuracy");
            assertThat(groups.get("stem").isNumber()).as(groups.toString()).isTrue();
            assertThat(groups.get("humanities").isNumber()).isTrue();
            assertThat(groups.get("average").asDouble()).isCloseTo(r.get("accuracy").asDouble(),
                    org.assertj.core.data.Offset.offset(1e-9));
        }
        // the artifacts: every adapter version with its size and SHA-256, downloaded through the registry
        JsonNode artifacts = get(platform.registryUrl() + "/api/v1/experiments/" + id + "/artifacts");
        assertThat(artifacts).hasSize(3);
        for (JsonNode a : artifacts) {
            assertThat(a.get("kind").asString()).isEqualTo("ADAPTER");
            byte[] file = download(platform.registryUrl() + a.get("downloadUrl").asString());
            assertThat((long) file.length).isEqualTo(a.get("bytes").asLong());
            assertThat(sha256(file)).isEqualTo(a.get("sha256").asString());
        }

        // every adapter version downloads as safetensors
        HttpResponse<byte[]> adapter = HttpClient.newHttpClient().send(authorized(
                platform.coordinatorUrl() + "/api/v1/experiments/" + e.get("id").asString() + "/adapters/2")
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(adapter.statusCode()).isEqualTo(200);
        assertThat(io.cgfed.launcher.SafeTensorsHeader.tensorNames(adapter.body()))
                .contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");

        // and through the registry as PEFT zips, fetched from the coordinator
        assertThat(get(platform.registryUrl() + "/api/v1/experiments/" + id + "/adapters")).hasSize(3);
        HttpResponse<byte[]> peft = HttpClient.newHttpClient().send(authorized(
                platform.registryUrl() + "/api/v1/experiments/" + id + "/adapters/2/peft").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(peft.statusCode()).isEqualTo(200);
        List<String> entries = new ArrayList<>();
        try (var zip = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(peft.body()))) {
            for (var entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                entries.add(entry.getName());
            }
        }
        assertThat(entries).containsExactlyInAnyOrder("adapter_config.json", "adapter_model.safetensors");

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("round 2/2");

        // a worker continues a held-out prompt with the final adapter: one answer letter
        ServiceProcess worker = platform.services().stream().filter(s -> s.name().equals("worker-0")).findFirst().orElseThrow();
        String prompt = "STEM QX a:"; // a demo-task question (category, filler, key)
        String request = "{\"experimentId\":\"" + id + "\",\"prompt\":\"" + prompt + "\",\"maxNewTokens\":1}";
        // it takes a user's key, checked by the coordinator: none, a wrong one, a READER's are refused
        assertThat(generate(worker, request, null).statusCode()).isEqualTo(401);
        assertThat(generate(worker, request, "cgfed_not-a-key-of-this-platform-0000").statusCode()).isEqualTo(401);
        HttpResponse<String> readerKey = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(platform.coordinatorUrl() + "/api/v1/api-keys")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + platform.adminApiKey())
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"viewer\",\"role\":\"READER\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(readerKey.statusCode()).as(readerKey.body()).isEqualTo(201);
        HttpResponse<String> asReader = generate(worker, request,
                JsonMapper.builder().build().readTree(readerKey.body()).get("key").asString());
        assertThat(asReader.statusCode()).as(asReader.body()).isEqualTo(403);
        assertThat(asReader.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/problem+json"));
        HttpResponse<String> generated = generate(worker, request, platform.adminApiKey());
        assertThat(generated.statusCode()).as(generated.body()).isEqualTo(200);
        JsonNode g = JsonMapper.builder().build().readTree(generated.body());
        assertThat(g.get("adapterVersion").asInt()).isEqualTo(2);
        assertThat(g.get("completion").asString()).isIn("A", "B", "C", "D");
    }

    private static HttpResponse<String> generate(ServiceProcess worker, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(worker.url() + "/api/v1/generate"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The rotation quantiser over the real services at 1/64 of fp32 with error feedback: the worker encodes with
     * the rotation its payload's identity seeds, the codec-service decodes with the same, and each request,
     * header included, is at most 1/64 of the update's fp32 bytes; every client reports the quality of the
     * weight change its reconstruction makes, and the registry shows it.
     */
    @Test
    void rotqAtOneSixtyFourthOnTheWireCompletesAndReportsTheWeightChangesQuality() throws Exception {
        DemoRun run = new DemoRun(new CoordinatorApi(platform.coordinatorUrl(), platform.adminApiKey()),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        JsonNode e = run.run(DemoRun.demoSpec("rotq", java.util.Map.of("compression", 64), true, null, false, 3, 2),
                Duration.ofMinutes(8));
        assertThat(e.get("status").asString()).as("failure: %s", e.get("failureReason")).isEqualTo("COMPLETED");
        JsonNode rounds = e.get("roundSummaries");
        for (int i = 1; i <= 2; i++) {
            JsonNode r = rounds.get(i);
            assertThat(r.get("uploads").asInt()).isEqualTo(3);
            assertThat(r.get("uploadBytes").asLong()).as("round %d: whole requests", i)
                    .isLessThanOrEqualTo(r.get("rawUpdateBytes").asLong() / 64);
        }
        assertThat(rounds.get(2).get("evalLoss").asDouble()).isLessThan(rounds.get(0).get("evalLoss").asDouble());
        String id = e.get("id").asString();
        JsonNode registryRounds = awaitRegistryRounds(id, 3);
        JsonNode r2 = registryRounds.get(2);
        assertThat(r2.get("ratioToFp32").asDouble()).isLessThanOrEqualTo(1.0 / 64);
        assertThat(r2.get("meanDeltaWCosine").asDouble()).isBetween(0.2, 1.0);
        assertThat(r2.get("meanDeltaWSnrDb").isNumber()).isTrue();
        for (JsonNode c : r2.get("clientRows")) {
            assertThat(c.get("cosine").asDouble()).isBetween(0.2, 1.0);
            assertThat(c.get("deltaWCosine").asDouble()).isBetween(0.2, 1.0);
            assertThat(c.get("uploadBytes").asLong()).isLessThanOrEqualTo(28_672 / 64);
        }
    }

    /**
     * Secure aggregation with the real workers: each round's four SecAgg+ stages as tasks, the workers' keys,
     * sealed shares, masked updates and unmasking shares over REST, the coordinator unmasking the sum; the model
     * learns as without it.
     */
    @Test
    void aSecurelyAggregatedExperimentCompletesAndLearns() throws Exception {
        DemoRun run = new DemoRun(new CoordinatorApi(platform.coordinatorUrl(), platform.adminApiKey()),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        java.util.Map<String, Object> spec = new java.util.LinkedHashMap<>(DemoRun.demoSpec("none", 3, 2));
        spec.put("name", "demo-secure");
        spec.put("secureAggregation", java.util.Map.of("enabled", true));
        JsonNode e = run.run(spec, Duration.ofMinutes(8));
        assertThat(e.get("status").asString()).as("failure: %s", e.get("failureReason")).isEqualTo("COMPLETED");
        JsonNode rounds = e.get("roundSummaries");
        for (int i = 1; i <= 2; i++) {
            assertThat(rounds.get(i).get("uploads").asInt()).as("round %d's survivors", i).isEqualTo(3);
            // keys, sealed shares, 4 bytes a value masked, unmasking shares: more than the fp32 update, not twice it
            assertThat(rounds.get(i).get("uploadBytes").asLong()).isBetween(rounds.get(i).get("rawUpdateBytes").asLong(),
                    2 * rounds.get(i).get("rawUpdateBytes").asLong());
        }
        assertThat(rounds.get(2).get("evalLoss").asDouble()).isLessThan(rounds.get(0).get("evalLoss").asDouble());
    }

    /**
     * The learned codec end to end: TGAP (COLLECT tasks, codec version 1 trained by the codec-service),
     * FAF adaptive rounds (each round's contributions publish the next version, which the next round
     * names), audit mode (aggregate fidelity per round), the versions shown through the coordinator and
     * the registry.
     */
    @Test
    void theLearnedCodecIsPretrainedAdaptedAndAudited() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DemoRun run = new DemoRun(new CoordinatorApi(platform.coordinatorUrl(), platform.adminApiKey()), new PrintStream(out, true, StandardCharsets.UTF_8));
        JsonNode e = run.run(DemoRun.demoSpec("cgae", java.util.Map.of("adaptEvery", 1, "adaptFrom", "clients", "collectRounds", 2), false, null,
                true, 3, 2), Duration.ofMinutes(8));
        assertThat(e.get("status").asString()).as("failure: %s", e.get("failureReason")).isEqualTo("COMPLETED");
        assertThat(e.get("audit").asBoolean()).isTrue();
        assertThat(e.get("codecVersion").asInt()).isEqualTo(3);
        JsonNode rounds = e.get("roundSummaries");
        assertThat(rounds.get(0).get("nextCodecVersion").asInt()).isEqualTo(1);
        for (int i = 1; i <= 2; i++) {
            JsonNode r = rounds.get(i);
            assertThat(r.get("codecVersion").asInt()).as("round %d", i).isEqualTo(i);
            assertThat(r.get("nextCodecVersion").asInt()).as("round %d", i).isEqualTo(i + 1);
            assertThat(r.get("auditedUpdates").asInt()).isEqualTo(3);
            assertThat(r.get("aggregateCosine").asDouble()).isBetween(-1.0, 1.0);
            // 1/64 of the fp32 bytes in the body, plus each payload's header
            assertThat(r.get("uploadBytes").asLong()).isLessThan(r.get("rawUpdateBytes").asLong() / 10);
        }
        String id = e.get("id").asString();
        JsonNode versions = get(platform.coordinatorUrl() + "/api/v1/experiments/" + id + "/codec-versions");
        assertThat(versions).hasSize(3);
        JsonNode tgap = versions.get(0);
        assertThat(tgap.get("origin").asString()).isEqualTo("TGAP");
        assertThat(tgap.get("status").asString()).isEqualTo("READY");
        assertThat(tgap.get("snapshots").asInt()).isEqualTo(6);
        assertThat(tgap.get("quality").get("heldOutCosine").isNumber()).isTrue();
        assertThat(versions.get(2).get("origin").asString()).isEqualTo("FAF");
        assertThat(versions.get(2).get("parentVersion").asInt()).isEqualTo(2);
        // every selected client sent its contribution, computed on its own fresh update
        assertThat(versions.get(2).get("quality").get("adaptedFrom").asString()).isEqualTo("clients");
        assertThat(versions.get(2).get("quality").get("contributions").asInt()).isEqualTo(3);

        JsonNode record = get(platform.registryUrl() + "/api/v1/experiments/" + id);
        for (int i = 0; i < 50 && !(record.get("status").asString().equals("COMPLETED")
                && record.get("summary").path("codecVersions").size() == 3); i++) {
            Thread.sleep(200);
            record = get(platform.registryUrl() + "/api/v1/experiments/" + id);
        }
        assertThat(record.get("summary").get("audit").asBoolean()).isTrue();
        assertThat(record.get("summary").get("warning").asString()).contains("not private");
        assertThat(record.get("summary").get("codecVersions")).hasSize(3);
        JsonNode registryRound = awaitRegistryRounds(id, 3).get(2);
        assertThat(registryRound.get("metrics").get("aggregateCosine").isNumber()).isTrue();
        assertThat(registryRound.get("metrics").get("clients").get(0).get("cosine").isNumber()).isTrue();
        // TGAP's loss curve, per epoch, from the codec-service through the coordinator to the registry
        JsonNode curve = record.get("summary").get("codecVersions").get(0).get("history");
        assertThat(curve.size()).as(curve.toString()).isPositive();
        assertThat(curve.get(0).get("epoch").asInt()).isEqualTo(1);
        assertThat(curve.get(0).get("trainLoss").isNumber()).isTrue();
        assertThat(tgap.get("history")).isEqualTo(curve);
        // round 0 collected snapshots from every client, then trained the codec; FAF refits later
        JsonNode round0 = awaitRegistryRounds(id, 3).get(0);
        assertThat(round0.get("clientRows")).hasSize(3);
        assertThat(round0.get("outcomes").get("onTime").asInt()).isEqualTo(3);
        assertThat(round0.get("phases").get("collectingMs").asLong()).isPositive();
        assertThat(round0.get("phases").get("codecTrainingMs").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(registryRound.get("phases").get("codecTrainingMs").asLong()).as("FAF adaptation").isGreaterThanOrEqualTo(0);
        // the artifacts: 3 adapter versions and 3 codec versions, with size and SHA-256, each downloadable
        JsonNode artifacts = get(platform.registryUrl() + "/api/v1/experiments/" + id + "/artifacts");
        assertThat(artifacts.findValuesAsString("kind")).containsExactly("ADAPTER", "ADAPTER", "ADAPTER", "CODEC", "CODEC",
                "CODEC");
        JsonNode codec1 = artifacts.get(3);
        assertThat(codec1.get("sha256").asString()).isEqualTo(tgap.get("weightsSha256").asString());
        byte[] weights = download(platform.registryUrl() + codec1.get("downloadUrl").asString());
        assertThat(sha256(weights)).isEqualTo(codec1.get("sha256").asString());
        assertThat((long) weights.length).isEqualTo(codec1.get("bytes").asLong());
    }

    /**
     * The services run with this run's secrets: without the admin key nothing is read or changed, a
     * wrong key and a worker without the join token are refused, and the answers are problems.
     */
    @Test
    void withoutThisRunsKeysNothingIsReadOrChanged() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String url : List.of(platform.coordinatorUrl(), platform.registryUrl())) {
            HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/experiments")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(read.statusCode()).as(url).isEqualTo(401);
            assertThat(read.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            HttpResponse<String> wrongKey = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/experiments"))
                    .header("Authorization", "Bearer " + PlatformSecrets.generate().adminApiKey())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wrongKey.statusCode()).as(url).isEqualTo(401);
            // health probes stay open
            assertThat(http.send(HttpRequest.newBuilder(URI.create(url + "/actuator/health/readiness")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> join = http.send(HttpRequest.newBuilder(URI.create(platform.coordinatorUrl() + "/api/v1/workers"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"intruder\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(join.statusCode()).isEqualTo(401);
        assertThat(get(platform.coordinatorUrl() + "/api/v1/workers").findValuesAsString("name")).doesNotContain("intruder");
    }


    @Test
    void everyServiceAnswersItsProbesServesPrometheusAndNamesTheExperimentInItsLogLines() throws Exception {
        for (ServiceProcess service : platform.services()) {
            assertThat(get(service.url() + "/actuator/health/liveness").get("status").asString()).as(service.name())
                    .isEqualTo("UP");
            assertThat(get(service.url() + "/actuator/health/readiness").get("status").asString()).as(service.name())
                    .isEqualTo("UP");
            assertThat(text(service.url() + "/actuator/prometheus")).as(service.name()).contains("jvm_memory_used_bytes");
            assertThat(Files.readAllLines(service.log()).stream().filter(l -> l.contains(" INFO ")))
                    .as("%s log lines carry the log context", service.name())
                    .isNotEmpty().allSatisfy(l -> assertThat(l).contains("[experiment="));
        }
        // every service documents itself, without a key although reads are closed
        for (ServiceProcess service : platform.services()) {
            JsonNode api = JsonMapper.builder().build().readTree(text(service.url() + "/v3/api-docs"));
            assertThat(api.get("openapi").asString()).as(service.name()).startsWith("3.");
            assertThat(api.get("paths").size()).as(service.name()).isPositive();
        }
        assertThat(text(platform.coordinatorUrl() + "/actuator/prometheus"))
                .contains("cgfed_rounds_opened_total", "cgfed_rounds_closed_total", "cgfed_round_close_latency_seconds");
    }

    private static byte[] download(String url) throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(authorized(url).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r.body();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static JsonNode awaitRegistryRounds(String id, int count) throws Exception {
        JsonNode rounds = get(platform.registryUrl() + "/api/v1/experiments/" + id + "/rounds");
        for (int i = 0; i < 50 && rounds.size() < count; i++) {
            Thread.sleep(200);
            rounds = get(platform.registryUrl() + "/api/v1/experiments/" + id + "/rounds");
        }
        return rounds;
    }

    private static String text(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r.body();
    }

    private static HttpRequest.Builder authorized(String url) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + platform.adminApiKey());
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(authorized(url).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JsonMapper.builder().build().readTree(r.body());
    }
}
