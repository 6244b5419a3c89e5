package io.cgfed.codec.aggregation;

import io.cgfed.codec.TestPayloads;
import io.cgfed.codec.TestAccess;
import static io.cgfed.codec.TestPayloads.payload;
import static io.cgfed.codec.TestPayloads.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.codec.UpdatePayload;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Mutated batches sent to /api/v1/aggregate: every answer must be 200 or 400, never a 5xx.
 * Seeded, so a failure names a reproducible case.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AggregateFuzzTest {
    @org.springframework.test.context.DynamicPropertySource
    static void database(org.springframework.test.context.DynamicPropertyRegistry registry) {
        TestAccess.register(registry);
    }

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    private List<byte[]> payloads;
    private byte[] batch;

    @BeforeEach
    void validBatch() throws Exception {
        payloads = List.of(payload("none", 3, 0, 1, update(1)), payload("fp16", 3, 1, 2, update(2)),
                payload("none", 3, 2, 5, update(3)));
        batch = PayloadBatch.write(payloads);
        assertThat(send(batch).statusCode()).isEqualTo(200);
    }

    /** Blind mutations of the whole batch: byte flips, truncations, insertions, deletions. */
    @Test
    void randomMutationsOfAValidBatchAreAnswered200Or400() throws Exception {
        Random r = new Random(0x5eed_c0de_cafeL);
        Map<Integer, Integer> statuses = new LinkedHashMap<>();
        for (int i = 0; i < 500; i++) {
            int kind = r.nextInt(4);
            byte[] mutated = switch (kind) {
                case 0 -> flip(batch, r);
                case 1 -> Arrays.copyOf(batch, r.nextInt(batch.length));
                case 2 -> insert(batch, r);
                default -> delete(batch, r);
            };
            HttpResponse<String> resp = send(mutated);
            statuses.merge(resp.statusCode(), 1, Integer::sum);
            assertThat(resp.statusCode()).as("case %d (kind %d): %s", i, kind, resp.body()).isIn(200, 400);
            if (resp.statusCode() == 400) {
                assertThat(resp.headers().firstValue("Content-Type")).as("case %d", i)
                        .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
            }
        }
        assertThat(statuses).as("statuses").containsKey(400);
    }

    /**
     * Mutations inside one payload whose lengths and CRC32C are then repaired, so the mutated
     * header JSON and body get past the checksum and reach the decoder.
     */
    @Test
    void checksumRepairedMutationsOfAPayloadAreAnswered200Or400() throws Exception {
        Random r = new Random(42);
        Map<Integer, Integer> statuses = new LinkedHashMap<>();
        for (int i = 0; i < 300; i++) {
            int target = r.nextInt(payloads.size());
            byte[] original = payloads.get(target);
            int headerLen = ByteBuffer.wrap(original, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            String header = new String(original, 12, headerLen, StandardCharsets.UTF_8);
            byte[] body = Arrays.copyOfRange(original, 12 + headerLen + 8, original.length - 4);
            String what;
            switch (r.nextInt(4)) {
                case 0 -> {
                    ObjectNode h = (ObjectNode) JSON.readTree(header);
                    what = mutateField(h, r);
                    header = JSON.writeValueAsString(h);
                }
                case 1 -> {
                    ObjectNode h = (ObjectNode) JSON.readTree(header);
                    what = mutateTensors(h, r);
                    header = JSON.writeValueAsString(h);
                }
                case 2 -> {
                    byte[] text = header.getBytes(StandardCharsets.UTF_8);
                    header = new String(flip(text, r), StandardCharsets.UTF_8);
                    what = "text flip";
                }
                default -> {
                    body = r.nextBoolean() ? Arrays.copyOf(body, r.nextInt(body.length + 8)) : flip(body, r);
                    what = "body";
                }
            }
            List<byte[]> mutated = new ArrayList<>(payloads);
            mutated.set(target, frame(header.getBytes(StandardCharsets.UTF_8), body));
            HttpResponse<String> resp = send(PayloadBatch.write(mutated));
            statuses.merge(resp.statusCode(), 1, Integer::sum);
            assertThat(resp.statusCode()).as("case %d (%s) header %s: %s", i, what, header, resp.body())
                    .isIn(200, 400);
        }
        assertThat(statuses).as("statuses").containsKey(400);
    }

    private static final Object[] NASTY = {null, -1, 0, 1, 2147483648L, Long.MAX_VALUE, "9223372036854775808",
            1e300, 0.5, -0.0, "", "x", true};

    private static String mutateField(ObjectNode h, Random r) {
        String[] fields = {"experiment", "round", "client", "codec", "codecVersion", "samples", "metrics", "tensors"};
        String field = fields[r.nextInt(fields.length)];
        if (r.nextInt(5) == 0) {
            h.remove(field);
            return "remove " + field;
        }
        Object v = NASTY[r.nextInt(NASTY.length)];
        set(h, field, v);
        return field + "=" + v;
    }

    private static String mutateTensors(ObjectNode h, Random r) {
        ArrayNode tensors = (ArrayNode) h.get("tensors");
        ObjectNode t = (ObjectNode) tensors.get(r.nextInt(tensors.size()));
        switch (r.nextInt(7)) {
            case 0 -> {
                t.put("name", tensors.get(0).path("name").asString());
                return "duplicate name";
            }
            case 1 -> {
                t.put("name", "__metadata__");
                return "reserved name";
            }
            case 2 -> {
                ArrayNode shape = t.putArray("shape");
                int dims = r.nextInt(10);
                for (int d = 0; d < dims; d++) {
                    shape.add(r.nextBoolean() ? r.nextInt(5) : 65536);
                }
                return "shape " + shape;
            }
            case 3 -> {
                t.put("dtype", r.nextBoolean() ? "F16" : "BF16");
                return "dtype";
            }
            case 4 -> {
                tensors.add(t.deepCopy());
                return "extra tensor";
            }
            case 5 -> {
                tensors.remove(r.nextInt(tensors.size()));
                return "missing tensor";
            }
            default -> {
                String[] fields = {"name", "shape", "dtype"};
                String f = fields[r.nextInt(fields.length)];
                Object v = NASTY[r.nextInt(NASTY.length)];
                set(t, f, v);
                return "tensor " + f + "=" + v;
            }
        }
    }

    private static void set(ObjectNode n, String field, Object v) {
        if (v == null) {
            n.putNull(field);
        } else if (v instanceof Integer i) {
            n.put(field, i);
        } else if (v instanceof Long l) {
            n.put(field, l);
        } else if (v instanceof Double d) {
            n.put(field, d);
        } else if (v instanceof Boolean b) {
            n.put(field, b);
        } else if (v.equals("9223372036854775808")) {
            n.put(field, new java.math.BigInteger((String) v));
        } else {
            n.put(field, (String) v);
        }
    }

    /** The CGFU framing around a header and a body, with correct lengths and CRC32C. */
    private static byte[] frame(byte[] header, byte[] body) {
        ByteBuffer buf = ByteBuffer.allocate(12 + header.length + 8 + body.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(UpdatePayload.MAGIC).putShort((short) UpdatePayload.FORMAT_VERSION).putShort((short) 0)
                .putInt(header.length).put(header).putLong(body.length).put(body);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    private static byte[] flip(byte[] in, Random r) {
        byte[] out = in.clone();
        if (out.length == 0) {
            return out;
        }
        int n = 1 + r.nextInt(4);
        for (int k = 0; k < n; k++) {
            out[r.nextInt(out.length)] ^= (byte) (1 + r.nextInt(255));
        }
        return out;
    }

    private static byte[] insert(byte[] in, Random r) {
        int at = r.nextInt(in.length + 1);
        byte[] extra = new byte[1 + r.nextInt(16)];
        r.nextBytes(extra);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(in, 0, at);
        out.write(extra, 0, extra.length);
        out.write(in, at, in.length - at);
        return out.toByteArray();
    }

    private static byte[] delete(byte[] in, Random r) {
        int at = r.nextInt(in.length);
        int n = Math.min(in.length - at, 1 + r.nextInt(16));
        byte[] out = new byte[in.length - n];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(in, at + n, out, at, in.length - at - n);
        return out;
    }

    private HttpResponse<String> send(byte[] body) throws Exception {
        HttpRequest req = TestAccess.asCoordinator(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/aggregate")))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<byte[]> resp = HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray());
        // the 200 body is binary safetensors; keep only a readable prefix for messages
        String text = resp.statusCode() == 200 ? "<safetensors>"
                : new String(resp.body(), StandardCharsets.UTF_8);
        return new StringResponse(resp, text);
    }

    /** A byte response shown as text in assertion messages. */
    private record StringResponse(HttpResponse<byte[]> delegate, String body) implements HttpResponse<String> {
        @Override
        public int statusCode() {
            return delegate.statusCode();
        }

        @Override
        public HttpRequest request() {
            return delegate.request();
        }

        @Override
        public java.util.Optional<HttpResponse<String>> previousResponse() {
            return java.util.Optional.empty();
        }

        @Override
        public java.net.http.HttpHeaders headers() {
            return delegate.headers();
        }

        @Override
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return delegate.sslSession();
        }

        @Override
        public URI uri() {
            return delegate.uri();
        }

        @Override
        public HttpClient.Version version() {
            return delegate.version();
        }
    }
}
