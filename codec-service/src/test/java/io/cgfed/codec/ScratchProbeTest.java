package io.cgfed.codec;

import io.cgfed.core.codec.*;
import io.cgfed.core.tensor.*;
import java.net.URI;
import java.net.http.*;
import java.util.*;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ScratchProbeTest {
    @LocalServerPort int port;

    HttpResponse<byte[]> post(String path, byte[] body, String accept) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (accept != null) b.header("Accept", accept);
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    void show(String label, HttpResponse<byte[]> r) {
        System.out.println("PROBE " + label + " -> " + r.statusCode() + " " + r.headers().firstValue("Content-Type") + " "
                + (r.statusCode() == 200 ? describe(r.body()) : new String(r.body())));
    }

    String describe(byte[] b) {
        try {
            var p = SafeTensors.parse(b);
            return "tensors=" + p.tensors().names() + " meta=" + p.metadata();
        } catch (Exception e) {
            return "UNREADABLE " + e;
        }
    }

    @Test
    void probe() throws Exception {
        NamedTensors u = new NamedTensors().put("a", new FloatTensor(new int[]{2}, new float[]{1, 2}))
                .put("b", new FloatTensor(new int[]{2}, new float[]{3, 4}));
        byte[] body = new NoneCodec().encode(u);
        // duplicate names in manifest
        var dup = new PayloadHeader("e", 1, 0, "none", 1, 1, List.of(new TensorSpec("a", new int[]{2}), new TensorSpec("a", new int[]{2})), Map.of());
        byte[] p = new UpdatePayload(dup, body).toBytes();
        show("dup decode", post("/api/v1/decode", p, null));
        show("dup aggregate", post("/api/v1/aggregate", PayloadBatch.write(List.of(p)), null));
        var meta = new PayloadHeader("e", 1, 0, "none", 1, 1, List.of(new TensorSpec("__metadata__", new int[]{2}), new TensorSpec("b", new int[]{2})), Map.of());
        p = new UpdatePayload(meta, body).toBytes();
        show("meta decode", post("/api/v1/decode", p, null));
        show("meta aggregate", post("/api/v1/aggregate", PayloadBatch.write(List.of(p)), null));
        // huge samples
        var h1 = new PayloadHeader("e", 1, 0, "none", 1, Long.MAX_VALUE, TensorSpec.manifestOf(u), Map.of());
        var h2 = new PayloadHeader("e", 1, 1, "none", 1, Long.MAX_VALUE, TensorSpec.manifestOf(u), Map.of());
        var r = post("/api/v1/aggregate", PayloadBatch.write(List.of(new UpdatePayload(h1, body).toBytes(), new UpdatePayload(h2, body).toBytes())), null);
        show("overflow samples " + r.headers().firstValue("Cgfed-Samples"), r);
        // accept octet-stream with error
        show("accept octet error", post("/api/v1/aggregate", new byte[]{1,2,3}, "application/octet-stream"));
        show("no content type", HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/aggregate")).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[]{1})).build(), HttpResponse.BodyHandlers.ofByteArray()));
        // round numbers huge, client huge
        var big = new PayloadHeader("e", Integer.MAX_VALUE, Integer.MAX_VALUE, "none", 1, 1, TensorSpec.manifestOf(u), Map.of());
        show("bigs", post("/api/v1/aggregate", PayloadBatch.write(List.of(new UpdatePayload(big, body).toBytes())), null));
        // count large but few payloads
        show("count 10001", post("/api/v1/aggregate", new byte[]{'C','G','F','B',0x11,0x27,0,0}, null));
        show("count max", post("/api/v1/aggregate", new byte[]{'C','G','F','B',-1,-1,-1,-1}, null));
        show("count 10000", post("/api/v1/aggregate", new byte[]{'C','G','F','B',0x10,0x27,0,0}, null));
        show("get aggregate", HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/aggregate")).GET().build(), HttpResponse.BodyHandlers.ofByteArray()));
    }
}
