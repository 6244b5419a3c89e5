package io.cgfed.codec.versions;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.codec.ReconstructionQuality;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.codec.cgae.CgaeCodec;
import io.cgfed.core.codec.cgae.CodecModel;
import io.cgfed.core.codec.cgae.TileLayout;
import io.cgfed.core.codec.cgae.Tiles;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.testing.SharedPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** TGAP training, version download, learned decoding and FAF adaptation through the codec-service's REST API. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CodecVersionApiTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final Map<String, Object> SETTINGS = Map.of("tile", 8, "compression", 16, "heldOutFraction", 0.25);

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        io.cgfed.codec.TestAccess.register(registry);
    }

    @LocalServerPort
    int port;

    @Autowired
    CodecVersionService service;

    @Autowired
    CodecVersionStore store;

    @Autowired
    TgapTraining training;

    RestClient http() {
        return RestClient.builder().baseUrl("http://localhost:" + port)
                .defaultHeader("Authorization", "Bearer " + io.cgfed.codec.TestAccess.CODEC_KEY)
                .defaultStatusHandler(HttpStatusCode::isError, (req, res) -> { })
                .build();
    }

    static final double[][] DIRECTIONS = directions(4, 99);

    static double[][] directions(int n, long seed) {
        Random r = new Random(seed);
        double[][] d = new double[n][150];
        for (double[] row : d) {
            for (int i = 0; i < row.length; i++) {
                row[i] = r.nextGaussian();
            }
        }
        return d;
    }

    /** An update of 150 values (3 tiles of 64) from a 4-dimensional subspace. */
    static NamedTensors update(Random r) {
        float[] v = new float[150];
        for (double[] d : DIRECTIONS) {
            double a = r.nextGaussian() * 0.01;
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (a * d[i]);
            }
        }
        return new NamedTensors()
                .put("a", new FloatTensor(new int[] {10, 9}, java.util.Arrays.copyOfRange(v, 0, 90)))
                .put("b", new FloatTensor(new int[] {60}, java.util.Arrays.copyOfRange(v, 90, 150)));
    }

    /** A learned codec's payload in wire format 2, as workers send updates: the layout named by digest. */
    static byte[] payload(UUID experiment, String codec, int version, int client, int step, NamedTensors u, byte[] body) {
        return new UpdatePayload(header(experiment, codec, version, client, step, u), body).toBytes();
    }

    private static PayloadHeader header(UUID experiment, String codec, int version, int client, int step, NamedTensors u) {
        return new PayloadHeader(experiment.toString(), 0, client, codec, version, 10, TensorSpec.manifestOf(u),
                Map.of("step", (double) step));
    }

    static byte[] snapshots(UUID experiment, int clients, int steps, long seed) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            for (int s = 0; s < steps; s++) {
                NamedTensors u = update(r);
                // TGAP snapshots travel in format 1, as workers send them: their manifest teaches the codec-service the layout
                out.add(new UpdatePayload(header(experiment, "none", 0, c, s, u),
                        io.cgfed.core.codec.Codecs.create("none", null).encode(u)).toBytesV1());
            }
        }
        return PayloadBatch.write(out);
    }

    ResponseEntity<JsonNode> startTgap(UUID experiment, Map<String, Object> spec, byte[] snapshots) {
        org.springframework.util.LinkedMultiValueMap<String, Object> parts = new org.springframework.util.LinkedMultiValueMap<>();
        org.springframework.http.HttpHeaders json = new org.springframework.http.HttpHeaders();
        json.setContentType(MediaType.APPLICATION_JSON);
        parts.add("spec", new org.springframework.http.HttpEntity<>(JSON.writeValueAsString(spec), json));
        org.springframework.http.HttpHeaders binary = new org.springframework.http.HttpHeaders();
        binary.setContentType(MediaType.APPLICATION_OCTET_STREAM);
        parts.add("snapshots", new org.springframework.http.HttpEntity<>(new ByteArrayResource(snapshots) {
            @Override
            public String getFilename() {
                return "snapshots.cgfb";
            }
        }, binary));
        return http().post().uri("/api/v1/experiments/{id}/codec-versions", experiment)
                .contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve().toEntity(JsonNode.class);
    }

    JsonNode awaitReady(UUID experiment, int version) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode v = http().get().uri("/api/v1/experiments/{id}/codec-versions/{v}", experiment, version).retrieve()
                    .body(JsonNode.class);
            if (!"TRAINING".equals(v.path("status").asString()) || System.nanoTime() > until) {
                return v;
            }
            Thread.sleep(100);
        }
    }

    @Test
    void tgapTrainsAVersionThatDecodesAndAggregatesLearnedPayloads() throws Exception {
        UUID experiment = UUID.randomUUID();
        Map<String, Object> spec = Map.of("codec", "cgae", "settings", SETTINGS);
        ResponseEntity<JsonNode> started = startTgap(experiment, spec, snapshots(experiment, 4, 8, 1));
        assertThat(started.getStatusCode().value()).isEqualTo(202);
        assertThat(started.getBody().path("version").asInt()).isEqualTo(1);
        assertThat(started.getBody().path("snapshots").asInt()).isEqualTo(32);

        JsonNode ready = awaitReady(experiment, 1);
        assertThat(ready.path("status").asString()).isEqualTo("READY");
        assertThat(ready.path("origin").asString()).isEqualTo("TGAP");
        assertThat(ready.path("quality").path("heldOutClients").get(0).asInt()).isEqualTo(3);
        assertThat(ready.path("quality").path("heldOutCosine").asDouble()).isGreaterThan(0.95);
        assertThat(ready.path("progress").path("epoch").asInt()).isEqualTo(1);
        // the linear codec is fitted in one pass: one point of the curve, its reconstruction losses
        JsonNode curve = ready.path("history");
        assertThat(curve).hasSize(1);
        assertThat(curve.get(0).path("epoch").asInt()).isEqualTo(1);
        assertThat(curve.get(0).path("trainLoss").asDouble()).isGreaterThan(0).isLessThan(1);
        assertThat(curve.get(0).path("heldOutLoss").asDouble()).isGreaterThan(0).isLessThan(1);
        // the contract (issue 17): the answer is the shared record, field for field, under the names the API documents
        JsonMapper strict = JsonMapper.builder().enable(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        io.cgfed.core.protocol.CodecVersionView typed = strict.treeToValue(ready, io.cgfed.core.protocol.CodecVersionView.class);
        assertThat(typed.ready()).isTrue();
        assertThat(typed.version()).isEqualTo(1);
        assertThat(typed.experimentId()).isEqualTo(experiment);
        assertThat(typed.snapshots()).isEqualTo(32);
        assertThat(typed.history()).hasSize(1);
        assertThat(ready.propertyNames()).containsExactly("experimentId", "version", "codec", "architecture", "origin",
                "parentVersion", "status", "settings", "snapshots", "progress", "history", "quality", "failureReason",
                "weightsBytes", "weightsSha256", "createdAt", "finishedAt");
        // asking again changes nothing
        assertThat(startTgap(experiment, spec, snapshots(experiment, 1, 1, 2)).getStatusCode().value()).isEqualTo(200);

        byte[] file = http().get().uri("/api/v1/experiments/{id}/codec-versions/1/encoder", experiment).retrieve()
                .body(byte[].class);
        CgaeCodec codec = new CgaeCodec(CodecModel.read(file));
        Random r = new Random(7);
        List<byte[]> round = new ArrayList<>();
        List<NamedTensors> raw = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            NamedTensors u = update(r);
            raw.add(u);
            round.add(payload(experiment, "cgae", 1, c, 0, u, codec.encode(u)));
        }
        byte[] decoded = http().post().uri("/api/v1/decode").contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(round.get(0)).retrieve().body(byte[].class);
        assertThat(ReconstructionQuality.of(raw.get(0), SafeTensors.read(decoded)).cosine()).isGreaterThan(0.95);
        ResponseEntity<byte[]> aggregated = http().post().uri("/api/v1/aggregate").contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(PayloadBatch.write(round)).retrieve().toEntity(byte[].class);
        assertThat(aggregated.getStatusCode().value()).isEqualTo(200);
        NamedTensors mean = raw.get(0).plus(raw.get(1));
        assertThat(ReconstructionQuality.of(mean, SafeTensors.read(aggregated.getBody())).cosine()).isGreaterThan(0.95);

        // a payload that names a version that does not exist is refused with a problem, not a 500
        byte[] unknownVersion = payload(experiment, "cgae", 5, 0, 0, raw.get(0), codec.encode(raw.get(0)));
        ResponseEntity<JsonNode> refused = http().post().uri("/api/v1/decode").contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(unknownVersion).retrieve().toEntity(JsonNode.class);
        assertThat(refused.getStatusCode().value()).isEqualTo(400);
        assertThat(refused.getBody().path("detail").asString()).contains("codec version 5");

        // FAF: contributions make version 2, once
        List<byte[]> contributions = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            float[][] tiles = Tiles.prepared(TileLayout.tiles(update(r), 64), true);
            contributions.add(SafeTensors.write(codec.model().autoencoder().contribution(List.<float[][]>of(tiles))));
        }
        ResponseEntity<JsonNode> adapted = http().post().uri("/api/v1/experiments/{id}/codec-versions/1/contributions", experiment)
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(PayloadBatch.write(contributions)).retrieve()
                .toEntity(JsonNode.class);
        assertThat(adapted.getStatusCode().value()).isEqualTo(201);
        assertThat(adapted.getBody().path("version").asInt()).isEqualTo(2);
        assertThat(adapted.getBody().path("origin").asString()).isEqualTo("FAF");
        assertThat(adapted.getBody().path("parentVersion").asInt()).isEqualTo(1);
        assertThat(http().post().uri("/api/v1/experiments/{id}/codec-versions/1/contributions", experiment)
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(PayloadBatch.write(contributions)).retrieve()
                .toEntity(JsonNode.class).getStatusCode().value()).isEqualTo(200);
        JsonNode list = http().get().uri("/api/v1/experiments/{id}/codec-versions", experiment).retrieve().body(JsonNode.class);
        assertThat(list.size()).isEqualTo(2);
        // FAF from the server's side: version 3 refitted on a round's payloads, which must name version 2
        ResponseEntity<JsonNode> wrongVersion = http().post().uri("/api/v1/experiments/{id}/codec-versions/2/refit", experiment)
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(PayloadBatch.write(round)).retrieve()
                .toEntity(JsonNode.class);
        assertThat(wrongVersion.getStatusCode().value()).isEqualTo(400);
        assertThat(store.find(experiment, 3)).isEmpty();
        CgaeCodec v2codec = new CgaeCodec(service.model(experiment, 2));
        List<byte[]> round2 = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            NamedTensors u = update(r);
            round2.add(payload(experiment, "cgae", 2, c, 0, u, v2codec.encode(u)));
        }
        ResponseEntity<JsonNode> refitted = http().post().uri("/api/v1/experiments/{id}/codec-versions/2/refit", experiment)
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(PayloadBatch.write(round2)).retrieve()
                .toEntity(JsonNode.class);
        assertThat(refitted.getStatusCode().value()).isEqualTo(201);
        assertThat(refitted.getBody().path("version").asInt()).isEqualTo(3);
        assertThat(refitted.getBody().path("quality").path("adaptedFrom").asString()).isEqualTo("server");
        assertThat(refitted.getBody().path("quality").path("contributions").asInt()).isEqualTo(2);
        CgaeCodec v2 = new CgaeCodec(CodecModel.read(http().get()
                .uri("/api/v1/experiments/{id}/codec-versions/2/encoder", experiment).retrieve().body(byte[].class)));
        NamedTensors u = update(r);
        assertThat(ReconstructionQuality.of(u, v2.decode(v2.encode(u), v2.model().manifest())).cosine()).isGreaterThan(0.9);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"mlp", "resnet"})
    void theNeuralArchitecturesTrainThroughTheSameApiAndReportProgressPerEpoch(String architecture) throws Exception {
        UUID experiment = UUID.randomUUID();
        Map<String, Object> settings = Map.of("tile", 8, "compression", 16, "architecture", architecture, "epochs", 3,
                "learningRate", 0.01, "hidden", 32, "batchSize", 8);
        assertThat(startTgap(experiment, Map.of("codec", "cgae", "settings", settings), snapshots(experiment, 3, 4, 11))
                .getStatusCode().value()).isEqualTo(202);
        JsonNode ready = awaitReady(experiment, 1);
        assertThat(ready.path("status").asString()).as(ready.toString()).isEqualTo("READY");
        assertThat(ready.path("architecture").asString()).isEqualTo(architecture);
        assertThat(ready.path("progress").path("epoch").asInt()).isEqualTo(3);
        assertThat(ready.path("progress").path("trainLoss").isNumber()).isTrue();
        assertThat(ready.path("quality").path("heldOutCosine").isNumber()).isTrue();
        // the TGAP curve: every epoch's training loss and the held-out client's loss, kept with the version
        JsonNode curve = ready.path("history");
        assertThat(curve).as(curve.toString()).hasSize(3);
        for (int e = 0; e < 3; e++) {
            assertThat(curve.get(e).path("epoch").asInt()).isEqualTo(e + 1);
            assertThat(curve.get(e).path("trainLoss").asDouble()).isPositive();
            assertThat(curve.get(e).path("heldOutLoss").asDouble()).isPositive();
        }
        assertThat(curve.get(2).path("trainLoss").asDouble()).as("training lowers the loss")
                .isLessThan(curve.get(0).path("trainLoss").asDouble());
        assertThat(ready.path("progress").path("trainLoss").asDouble()).isEqualTo(curve.get(2).path("trainLoss").asDouble());
        JsonNode listed = http().get().uri("/api/v1/experiments/{id}/codec-versions", experiment).retrieve()
                .body(JsonNode.class);
        assertThat(listed.get(0).path("history")).isEqualTo(curve);
        CodecModel model = CodecModel.read(http().get().uri("/api/v1/experiments/{id}/codec-versions/1/encoder", experiment)
                .retrieve().body(byte[].class));
        assertThat(model.autoencoder().architecture()).isEqualTo(architecture);
    }

    @Test
    void badRequestsGetProblemsAndStoreNothing() {
        UUID experiment = UUID.randomUUID();
        ResponseEntity<JsonNode> badSettings = startTgap(experiment, Map.of("codec", "cgae",
                "settings", Map.of("compression", 2)), snapshots(experiment, 1, 2, 3));
        assertThat(badSettings.getStatusCode().value()).isEqualTo(400);
        assertThat(badSettings.getBody().toString()).contains("settings").contains("compression");
        ResponseEntity<JsonNode> notLearned = startTgap(experiment, Map.of("codec", "topk"), snapshots(experiment, 1, 2, 3));
        assertThat(notLearned.getStatusCode().value()).isEqualTo(400);
        ResponseEntity<JsonNode> garbage = startTgap(experiment, Map.of("codec", "cgae"), new byte[] {1, 2, 3});
        assertThat(garbage.getStatusCode().is4xxClientError()).isTrue();
        ResponseEntity<JsonNode> otherExperiment = startTgap(experiment, Map.of("codec", "cgae"),
                snapshots(UUID.randomUUID(), 1, 2, 3));
        assertThat(otherExperiment.getStatusCode().value()).isEqualTo(400);
        assertThat(otherExperiment.getBody().path("detail").asString()).contains("belongs to experiment");
        assertThat(store.list(experiment)).isEmpty();
        assertThat(http().get().uri("/api/v1/experiments/{id}/codec-versions/1", experiment).retrieve()
                .toEntity(JsonNode.class).getStatusCode().value()).isEqualTo(404);
        assertThat(http().get().uri("/api/v1/experiments/{id}/codec-versions/1/encoder", experiment).retrieve()
                .toEntity(JsonNode.class).getStatusCode().value()).isEqualTo(404);
    }

    @Test
    void aTrainingInterruptedByARestartIsResumedFromItsStoredSnapshots() throws Exception {
        UUID experiment = UUID.randomUUID();
        byte[] snapshots = snapshots(experiment, 3, 4, 5);
        String settings = JSON.writeValueAsString(io.cgfed.core.codec.cgae.CgaeSettings.of(SETTINGS).asMap());
        // what a service that died mid-training leaves behind
        store.insertTraining(new CodecVersionStore.Row(experiment, 1, "cgae", "linear", settings, "TGAP", null, "TRAINING",
                null, null, null, 12, null, null, java.time.Instant.now(), null), snapshots);
        training.resume();
        JsonNode ready = awaitReady(experiment, 1);
        assertThat(ready.path("status").asString()).isEqualTo("READY");
        assertThat(store.trainingData(experiment, 1)).isNull();
    }
}
