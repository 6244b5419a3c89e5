package io.cgfed.codec.aggregation;

import io.cgfed.codec.TestPayloads;
import io.cgfed.codec.TestAccess;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.codec.NoneCodec;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Payloads that are well-formed on the wire but must still be refused. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PayloadValidationGapsTest {
    @org.springframework.test.context.DynamicPropertySource
    static void database(org.springframework.test.context.DynamicPropertyRegistry registry) {
        TestAccess.register(registry);
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final NamedTensors UPDATE = new NamedTensors()
            .put("a", new FloatTensor(new int[] {2}, new float[] {1, 2}))
            .put("b", new FloatTensor(new int[] {2}, new float[] {3, 4}));

    @LocalServerPort
    int port;

    @Test
    void aManifestWithDuplicateTensorNamesIsRefused() throws Exception {
        byte[] p = payload(0, 1, List.of(new TensorSpec("a", new int[] {2}), new TensorSpec("a", new int[] {2})));
        assertThat(post("/api/v1/decode", p).statusCode()).isEqualTo(400);
        assertThat(post("/api/v1/aggregate", PayloadBatch.write(List.of(p))).statusCode()).isEqualTo(400);
    }

    @Test
    void aTensorNamedLikeTheSafetensorsMetadataIsRefused() throws Exception {
        byte[] p = payload(0, 1, List.of(new TensorSpec("__metadata__", new int[] {2}), new TensorSpec("b", new int[] {2})));
        assertThat(post("/api/v1/decode", p).statusCode()).isEqualTo(400);
        assertThat(post("/api/v1/aggregate", PayloadBatch.write(List.of(p))).statusCode()).isEqualTo(400);
    }

    @Test
    void samplesThatOverflowTheRoundTotalAreRefused() throws Exception {
        List<TensorSpec> manifest = TensorSpec.manifestOf(UPDATE);
        byte[] batch = PayloadBatch.write(List.of(payload(0, Long.MAX_VALUE, manifest), payload(1, Long.MAX_VALUE, manifest)));
        HttpResponse<byte[]> r = post("/api/v1/aggregate", batch);
        assertThat(r.statusCode()).isEqualTo(400);
    }

    private static byte[] payload(int client, long samples, List<TensorSpec> manifest) {
        PayloadHeader h = new PayloadHeader(TestPayloads.EXPERIMENT, 1, client, NoneCodec.NAME, 1, samples, manifest, Map.of());
        return new UpdatePayload(h, new NoneCodec().encode(UPDATE)).toBytesV1(); // format 1: its manifest is what is checked
    }

    private HttpResponse<byte[]> post(String path, byte[] body) throws Exception {
        return HTTP.send(TestAccess.asCoordinator(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
