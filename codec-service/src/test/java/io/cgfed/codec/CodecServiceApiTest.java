package io.cgfed.codec;

import static io.cgfed.codec.TestPayloads.payload;
import static io.cgfed.codec.TestPayloads.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.Half;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** codec-service over real HTTP: aggregation, decoding, the codec catalog, errors and probes. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CodecServiceApiTest {
    @org.springframework.test.context.DynamicPropertySource
    static void database(org.springframework.test.context.DynamicPropertyRegistry registry) {
        TestAccess.register(registry);
    }

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long[] SAMPLES = {1, 2, 5};

    @LocalServerPort
    int port;

    // ---------------------------------------------------------------- aggregation

    @Test
    void aRoundOfVersionTwoPayloadsLedByItsLayoutPartIsAggregatedAndWithoutItRefused() throws Exception {
        List<NamedTensors> updates = List.of(update(21), update(22), update(23));
        for (String codec : List.of("none", "rotq")) {
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 0; i < updates.size(); i++) {
                payloads.add(TestPayloads.payloadV2(codec, 4, i, SAMPLES[i], updates.get(i)));
            }
            HttpResponse<byte[]> r = post("/api/v1/aggregate", TestPayloads.batchV2(updates.get(0), payloads));
            assertThat(r.statusCode()).as(codec).isEqualTo(200);
            assertThat(r.headers().firstValue("Cgfed-Updates")).hasValue("3");
            NamedTensors avg = SafeTensors.parse(r.body()).tensors();
            NamedTensors expected = new io.cgfed.core.aggregation.FedAvg().aggregate(List.of(
                    new io.cgfed.core.aggregation.Aggregator.WeightedUpdate(updates.get(0), SAMPLES[0]),
                    new io.cgfed.core.aggregation.Aggregator.WeightedUpdate(updates.get(1), SAMPLES[1]),
                    new io.cgfed.core.aggregation.Aggregator.WeightedUpdate(updates.get(2), SAMPLES[2])));
            double cosine = io.cgfed.core.codec.ReconstructionQuality.of(expected, avg).cosine();
            // none is exact; rotq is decoded with each client's shared seed
            assertThat(cosine).as(codec).isGreaterThan(codec.equals("none") ? 0.999999 : 0.85);

            JsonNode missing = problem(post("/api/v1/aggregate", PayloadBatch.write(payloads)), 400);
            assertThat(missing.path("detail").asString()).contains("layout");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "fp16"})
    void aggregatesThreeUpdatesIntoTheirSampleWeightedAverage(String codec) throws Exception {
        List<NamedTensors> updates = List.of(update(11), update(12), update(13));
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < updates.size(); i++) {
            payloads.add(payload(codec, 4, i, SAMPLES[i], updates.get(i)));
        }

        HttpResponse<byte[]> r = post("/api/v1/aggregate", PayloadBatch.write(payloads));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/octet-stream"));
        assertThat(r.headers().firstValue("Cgfed-Updates")).hasValue("3");
        assertThat(r.headers().firstValue("Cgfed-Samples")).hasValue("8");
        assertThat(r.headers().firstValue("Cgfed-Wire-Bytes")).hasValue(Long.toString(
                payloads.stream().mapToLong(p -> p.length).sum()));
        assertThat(r.headers().firstValue("Cgfed-Raw-Bytes")).hasValue(Long.toString(3L * 4 * updates.get(0).numel()));

        SafeTensors.Parsed parsed = SafeTensors.parse(r.body());
        assertThat(parsed.metadata()).containsEntry("updates", "3").containsEntry("samples", "8");
        NamedTensors avg = parsed.tensors();
        assertThat(avg.names()).containsExactlyElementsOf(updates.get(0).names());

        boolean fp16 = codec.equals("fp16");
        for (String name : avg.names()) {
            FloatTensor got = avg.get(name);
            assertThat(got.shape()).isEqualTo(updates.get(0).get(name).shape());
            for (int j = 0; j < got.size(); j++) {
                double exact = 0;      // the average of the clients' float32 values
                double quantized = 0;  // the average of what an fp16 wire actually carries
                for (int i = 0; i < updates.size(); i++) {
                    float x = updates.get(i).get(name).data()[j];
                    exact += SAMPLES[i] * (double) x;
                    quantized += SAMPLES[i] * (double) (fp16 ? Half.toFloat(Half.fromFloat(x)) : x);
                }
                exact /= 8;
                quantized /= 8;
                // fp16 keeps 11 significant bits: |x| < 1 is off by at most 2^-12 per value
                assertThat((double) got.data()[j]).as("%s[%d]", name, j)
                        .isCloseTo(exact, within(fp16 ? 5e-4 : 1e-6));
                assertThat((double) got.data()[j]).as("%s[%d] vs fp16-quantized inputs", name, j)
                        .isCloseTo(quantized, within(1e-6));
            }
        }
    }

    @Test
    void theCoordinatorsWeightCapBoundsEachUpdatesWeightAsTheSumRuns() throws Exception {
        List<NamedTensors> updates = List.of(update(21), update(22), update(23));
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < updates.size(); i++) {
            payloads.add(payload("none", 4, i, SAMPLES[i], updates.get(i)));
        }
        HttpResponse<byte[]> r = post("/api/v1/aggregate?maxClientSamples=2", PayloadBatch.write(payloads));
        assertThat(r.statusCode()).isEqualTo(200);
        NamedTensors avg = SafeTensors.parse(r.body()).tensors();
        long[] capped = {1, 2, 2}; // samples 1, 2, 5 capped at 2
        for (String name : avg.names()) {
            for (int j = 0; j < avg.get(name).size(); j++) {
                double expected = 0;
                for (int i = 0; i < updates.size(); i++) {
                    expected += capped[i] * (double) updates.get(i).get(name).data()[j];
                }
                assertThat((double) avg.get(name).data()[j]).as("%s[%d]", name, j).isCloseTo(expected / 5, within(1e-6));
            }
        }
        assertThat(problem(post("/api/v1/aggregate?maxClientSamples=0", PayloadBatch.write(payloads)), 400)
                .get("detail").asString()).contains("maxClientSamples");
    }

    @Test
    void aRobustStrategysRuleCombinesTheRoundAndSaysWhatItDid() throws Exception {
        List<NamedTensors> updates = List.of(update(21), update(22), update(23));
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < updates.size(); i++) {
            payloads.add(payload("none", 4, i, SAMPLES[i], updates.get(i)));
        }
        HttpResponse<byte[]> median = post("/api/v1/aggregate?strategy=median", PayloadBatch.write(payloads));
        assertThat(median.statusCode()).isEqualTo(200);
        NamedTensors m = SafeTensors.read(median.body());
        for (String name : m.names()) {
            for (int j = 0; j < m.get(name).size(); j++) {
                float[] column = {updates.get(0).get(name).data()[j], updates.get(1).get(name).data()[j],
                        updates.get(2).get(name).data()[j]};
                java.util.Arrays.sort(column);
                assertThat(m.get(name).data()[j]).as("%s[%d]", name, j).isEqualTo(column[1]);
            }
        }
        String settings = java.net.URLEncoder.encode("{\"byzantine\":0}", java.nio.charset.StandardCharsets.UTF_8);
        HttpResponse<byte[]> krum = post("/api/v1/aggregate?strategy=krum&strategySettings=" + settings,
                PayloadBatch.write(payloads));
        assertThat(krum.statusCode()).isEqualTo(200);
        JsonNode diagnostics = JSON.readTree(krum.headers().firstValue("Cgfed-Aggregation-Diagnostics").orElseThrow());
        assertThat(diagnostics.get("chosenClients")).hasSize(1);
        int chosen = diagnostics.get("chosenClients").get(0).asInt();
        assertEqual(SafeTensors.read(krum.body()), updates.get(chosen), 0);

        assertThat(problem(post("/api/v1/aggregate?strategy=fedsgd", PayloadBatch.write(payloads)), 400)
                .get("detail").asString()).contains("unknown strategy 'fedsgd'");
        String bad = java.net.URLEncoder.encode("{\"trimFraction\":0.7}", java.nio.charset.StandardCharsets.UTF_8);
        assertThat(problem(post("/api/v1/aggregate?strategy=trimmed-mean&strategySettings=" + bad,
                PayloadBatch.write(payloads)), 400).get("detail").asString()).contains("trimFraction");
    }

    @Test
    void loraSvdCombinesAgainstTheGlobalAdapterPartAndWithoutItIsRefused() throws Exception {
        java.util.Random r = new java.util.Random(5);
        String a = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
        String b = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";
        NamedTensors global = new NamedTensors().put(a, TestPayloads.tensor(r, 2, 8)).put(b, TestPayloads.tensor(r, 8, 2));
        List<NamedTensors> updates = new ArrayList<>();
        List<byte[]> parts = new ArrayList<>();
        parts.add(PayloadBatch.globalPart(global));
        io.cgfed.core.aggregation.AggregationRule.Combiner expected = io.cgfed.core.aggregation.Strategies
                .create("lora-svd", java.util.Map.of()).rule().start(global);
        for (int i = 0; i < 3; i++) {
            NamedTensors u = new NamedTensors().put(a, TestPayloads.tensor(r, 2, 8)).put(b, TestPayloads.tensor(r, 8, 2));
            updates.add(u);
            parts.add(payload("none", 4, i, SAMPLES[i], u));
            expected.add(i, u, SAMPLES[i]);
        }
        HttpResponse<byte[]> svd = post("/api/v1/aggregate?strategy=lora-svd", PayloadBatch.write(parts));
        assertThat(svd.statusCode()).as(new String(svd.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertEqual(SafeTensors.read(svd.body()), expected.result().update(), 0);
        JsonNode diagnostics = JSON.readTree(svd.headers().firstValue("Cgfed-Aggregation-Diagnostics").orElseThrow());
        assertThat(diagnostics.get("svdTargets").asInt()).isEqualTo(1);
        // three clients of rank 2 make a weight change of rank up to 6: some energy lies beyond rank 2
        assertThat(diagnostics.get("svdTailEnergy").asDouble()).isBetween(0.0, 1.0);

        assertThat(problem(post("/api/v1/aggregate?strategy=lora-svd", PayloadBatch.write(parts.subList(1, 4))), 400)
                .get("detail").asString()).contains("global adapter");
        List<byte[]> late = new ArrayList<>(parts.subList(1, 4));
        late.add(PayloadBatch.globalPart(global));
        assertThat(problem(post("/api/v1/aggregate", PayloadBatch.write(late)), 400)
                .get("detail").asString()).contains("global adapter part must come before");
    }

    @Test
    void aggregatesASingleUpdateIntoItself() throws Exception {
        NamedTensors u = update(21);
        HttpResponse<byte[]> r = post("/api/v1/aggregate", PayloadBatch.write(List.of(payload("none", 0, 3, 7, u))));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cgfed-Samples")).hasValue("7");
        assertEqual(SafeTensors.read(r.body()), u, 0);
    }

    @Test
    void aMixOfCodecsInOneRoundIsAggregated() throws Exception {
        List<byte[]> payloads = List.of(payload("none", 2, 0, 1, update(31)), payload("fp16", 2, 1, 1, update(32)));
        HttpResponse<byte[]> r = post("/api/v1/aggregate", PayloadBatch.write(payloads));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cgfed-Updates")).hasValue("2");
    }

    // ---------------------------------------------------------------- refusals

    @Test
    void aCorruptPayloadIsRefusedNamingItsIndex() throws Exception {
        byte[] corrupt = payload("none", 4, 1, 2, update(12));
        corrupt[corrupt.length / 2] ^= 0x40;
        byte[] batch = PayloadBatch.write(List.of(payload("none", 4, 0, 1, update(11)), corrupt,
                payload("none", 4, 2, 5, update(13))));

        JsonNode problem = problem(post("/api/v1/aggregate", batch), 400);
        assertThat(problem.path("detail").asString()).contains("payload 1").contains("checksum");
    }

    @Test
    void aCorruptPayloadIsRefusedAsProblemJsonEvenWhenTheClientAcceptsOnlyOctetStream() throws Exception {
        // the coordinator's CodecServiceClient sends Accept: application/octet-stream
        byte[] corrupt = payload("fp16", 4, 0, 2, update(12));
        corrupt[40] ^= 0x01;
        HttpResponse<byte[]> r = post("/api/v1/aggregate", PayloadBatch.write(List.of(corrupt)),
                b -> b.header("Accept", "application/octet-stream"));
        assertThat(problem(r, 400).path("detail").asString()).contains("payload 0");
    }

    @Test
    void twoPayloadsOfTheSameClientAreRefused() throws Exception {
        byte[] batch = PayloadBatch.write(List.of(payload("none", 4, 0, 1, update(11)),
                payload("none", 4, 1, 2, update(12)), payload("none", 4, 1, 5, update(13))));
        JsonNode problem = problem(post("/api/v1/aggregate", batch), 400);
        assertThat(problem.path("detail").asString()).contains("payload 2").contains("client 1");
    }

    @Test
    void payloadsFromDifferentRoundsAreRefused() throws Exception {
        byte[] batch = PayloadBatch.write(List.of(payload("none", 4, 0, 1, update(11)),
                payload("none", 5, 1, 2, update(12))));
        JsonNode problem = problem(post("/api/v1/aggregate", batch), 400);
        assertThat(problem.path("detail").asString()).contains("payload 1");
    }

    @Test
    void payloadsFromDifferentExperimentsAreRefused() throws Exception {
        byte[] batch = PayloadBatch.write(List.of(payload("none", 4, 0, 1, update(11)),
                payload("another-experiment", "none", 4, 1, 2, update(12))));
        JsonNode problem = problem(post("/api/v1/aggregate", batch), 400);
        assertThat(problem.path("detail").asString()).contains("payload 1");
    }

    @Test
    void payloadsWithDifferentManifestsAreRefused() throws Exception {
        NamedTensors other = new NamedTensors().put("layers.0.attn.q_proj.lora_A",
                TestPayloads.tensor(new java.util.Random(1), 2, 8));
        byte[] batch = PayloadBatch.write(List.of(payload("none", 4, 0, 1, update(11)),
                payload("none", 4, 1, 2, other)));
        JsonNode problem = problem(post("/api/v1/aggregate", batch), 400);
        assertThat(problem.path("detail").asString()).contains("payload 1").contains("manifest");
    }

    @Test
    void aPayloadWithNaNValuesIsRefused() throws Exception {
        NamedTensors poisoned = update(12);
        poisoned.get("layers.0.attn.v_proj.lora_B").data()[3] = Float.NaN;
        byte[] batch = PayloadBatch.write(List.of(payload("none", 4, 0, 1, update(11)),
                payload("none", 4, 1, 2, poisoned)));
        JsonNode problem = problem(post("/api/v1/aggregate", batch), 400);
        assertThat(problem.path("detail").asString()).contains("payload 1").contains("non-finite");
    }

    @Test
    void aPayloadWithInfiniteValuesIsRefused() throws Exception {
        NamedTensors poisoned = update(12);
        poisoned.get("layers.0.attn.q_proj.lora_A").data()[0] = 1e6f; // overflows fp16 to +Inf
        byte[] batch = PayloadBatch.write(List.of(payload("fp16", 4, 0, 2, poisoned)));
        JsonNode problem = problem(post("/api/v1/aggregate", batch), 400);
        assertThat(problem.path("detail").asString()).contains("payload 0").contains("non-finite");
    }

    @Test
    void garbageIsRefused() throws Exception {
        problem(post("/api/v1/aggregate", "this is not a payload batch".getBytes(StandardCharsets.UTF_8)), 400);
        problem(post("/api/v1/aggregate", new byte[0]), 400);
        problem(post("/api/v1/aggregate", new byte[] {'C', 'G', 'F', 'B', 0, 0, 0, 0}), 400); // no payloads
        problem(post("/api/v1/aggregate", payload("none", 4, 0, 1, update(11))), 400); // a payload, not a batch
    }

    @Test
    void aBatchWithTrailingBytesIsRefused() throws Exception {
        byte[] batch = PayloadBatch.write(List.of(payload("none", 4, 0, 1, update(11))));
        byte[] longer = java.util.Arrays.copyOf(batch, batch.length + 3);
        problem(post("/api/v1/aggregate", longer), 400);
    }

    // ---------------------------------------------------------------- decode and catalog

    @ParameterizedTest
    @ValueSource(strings = {"none", "fp16"})
    void decodesOnePayloadIntoItsUpdate(String codec) throws Exception {
        NamedTensors u = update(41);
        HttpResponse<byte[]> r = post("/api/v1/decode", payload(codec, 1, 0, 3, u));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/octet-stream"));
        assertEqual(SafeTensors.read(r.body()), u, codec.equals("fp16") ? 5e-4 : 0);
    }

    @Test
    void decodeRefusesACorruptPayload() throws Exception {
        byte[] p = payload("none", 1, 0, 3, update(41));
        p[p.length - 1] ^= 0x7f;
        JsonNode problem = problem(post("/api/v1/decode", p), 400);
        assertThat(problem.path("detail").asString()).contains("checksum");
    }

    // ---------------------------------------------------------------- access

    @Test
    void refusesCallsWithoutTheCoordinatorsKey() throws Exception {
        byte[] batch = PayloadBatch.write(List.of(payload("none", 0, 3, 7, update(11))));
        for (String authorization : new String[] {null, "Bearer " + io.cgfed.service.support.security.Secrets.generate("cgfc_"),
                "Bearer " + TestAccess.ADMIN_KEY.substring(1)}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri("/api/v1/aggregate"))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(batch));
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode problem = problem(r, 401);
            assertThat(problem.path("detail").asString()).as(String.valueOf(authorization)).isNotBlank();
            assertThat(r.headers().firstValue("Cgfed-Updates")).as("nothing aggregated").isEmpty();
        }
        // the coordinator's key opens it; reads stay open as on every service (cgfed.security.open-reads)
        assertThat(post("/api/v1/aggregate", batch).statusCode()).isEqualTo(200);
        assertThat(HTTP.send(HttpRequest.newBuilder(uri("/api/v1/codecs")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void listsTheCodecs() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/api/v1/codecs")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        JSON.readTree(r.body()).forEach(n -> names.add(n.path("name").asString()));
        assertThat(names).contains("none", "fp16", "rotq", "cgae");
        // every entry comes from the registry: defaults, bounds, learned, bias and the body bytes of 7,168 values
        for (var n : JSON.readTree(r.body())) {
            if (n.path("name").asString().equals("rotq")) {
                assertThat(n.path("defaults").path("bits").asDouble()).isEqualTo(0.5);
                assertThat(n.path("bounds").path("bias").asString()).contains("unbiased");
                assertThat(n.path("learned").asBoolean()).isFalse();
                assertThat(n.path("bodyBytesFor7168Values").asLong()).isEqualTo(448);
            }
            if (n.path("name").asString().equals("cgae")) {
                assertThat(n.path("learned").asBoolean()).isTrue();
            }
            if (n.path("name").asString().equals("qsgd")) {
                assertThat(n.path("unbiased").asBoolean()).isTrue();
            }
        }
    }

    @Test
    void isReady() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/actuator/health/readiness")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("status").asString()).isEqualTo("UP");
    }

    // ---------------------------------------------------------------- helpers

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private HttpResponse<byte[]> post(String path, byte[] body) throws Exception {
        return post(path, body, UnaryOperator.identity());
    }

    private HttpResponse<byte[]> post(String path, byte[] body, UnaryOperator<HttpRequest.Builder> custom)
            throws Exception {
        HttpRequest.Builder b = TestAccess.asCoordinator(HttpRequest.newBuilder(uri(path)))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        return HTTP.send(custom.apply(b).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode problem(HttpResponse<byte[]> r, int status) {
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(r.statusCode()).as("status of %s", text).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(text);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("detail").asString()).isNotBlank();
        return problem;
    }

    private static void assertEqual(NamedTensors got, NamedTensors expected, double tolerance) {
        assertThat(got.names()).containsExactlyElementsOf(expected.names());
        for (String name : expected.names()) {
            assertThat(got.get(name).shape()).as(name).isEqualTo(expected.get(name).shape());
            float[] g = got.get(name).data();
            float[] e = expected.get(name).data();
            for (int i = 0; i < e.length; i++) {
                if (tolerance == 0) {
                    assertThat(g[i]).as("%s[%d]", name, i).isEqualTo(e[i]);
                } else {
                    assertThat((double) g[i]).as("%s[%d]", name, i).isCloseTo(e[i], within(tolerance));
                }
            }
        }
    }
}
