package io.cgfed.coordinator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cgfed.core.aggregation.Aggregator.WeightedUpdate;
import io.cgfed.core.aggregation.FedAvg;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.codec.UpdateDecoder;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Stands in for the coordinator's two HTTP peers in one small server on localhost:
 * <ul>
 *   <li>the codec-service's {@code POST /api/v1/aggregate}: reads a payload batch, decodes every
 *       payload and answers their sample-weighted FedAvg as safetensors, as the real one does;
 *       it can be switched to answer 503 to play a codec-service that is down;</li>
 *   <li>the experiment registry's {@code POST /api/v1/experiments} and
 *       {@code PUT /api/v1/experiments/{id}/rounds/{round}}: records what it was sent, when it comes
 *       with the registry key ({@code Authorization: Bearer}); 401 and nothing recorded otherwise.</li>
 * </ul>
 */
final class FakePeerServices {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final String registryKey;
    private final AtomicInteger registryRefusals = new AtomicInteger();
    private volatile boolean codecDown;
    private final AtomicInteger aggregateCalls = new AtomicInteger();
    private final List<List<byte[]>> aggregatedBatches = new CopyOnWriteArrayList<>();
    private final Map<String, JsonNode> registryExperiments = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> registryRounds = new ConcurrentHashMap<>();
    private final Map<String, List<String>> registryStatuses = new ConcurrentHashMap<>();

    private FakePeerServices(HttpServer server, String registryKey) {
        this.server = server;
        this.registryKey = registryKey;
        server.createContext("/api/v1/aggregate", this::aggregate);
        server.createContext("/api/v1/experiments", this::registry);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-peer-services");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** @param registryKey the key the registry expects from the coordinator */
    static FakePeerServices start(String registryKey) {
        try {
            return new FakePeerServices(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0),
                    registryKey);
        } catch (IOException e) {
            throw new IllegalStateException("fake peer services did not start", e);
        }
    }

    String url() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    void reset() {
        codecDown = false;
        aggregateCalls.set(0);
        aggregatedBatches.clear();
        registryExperiments.clear();
        registryRounds.clear();
        registryStatuses.clear();
        registryRefusals.set(0);
    }

    /** Registry writes refused for a missing or wrong key since the last reset. */
    int registryRefusals() {
        return registryRefusals.get();
    }

    void codecDown(boolean down) {
        codecDown = down;
    }

    /** Every aggregate request received, answered or not. */
    int aggregateCalls() {
        return aggregateCalls.get();
    }

    /** The payload batches that were aggregated (answered 200), in order. */
    List<List<byte[]>> aggregatedBatches() {
        return aggregatedBatches;
    }

    /** The last experiment record the registry was sent for this id, or null. */
    JsonNode registryExperiment(Object experimentId) {
        return registryExperiments.get(experimentId.toString());
    }

    /** Every status the registry was sent for this experiment, in order. */
    List<String> registryStatuses(Object experimentId) {
        return registryStatuses.getOrDefault(experimentId.toString(), List.of());
    }

    JsonNode registryRound(Object experimentId, int round) {
        return registryRounds.get(experimentId + "/" + round);
    }

    private void aggregate(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = readAll(ex);
            aggregateCalls.incrementAndGet();
            if (!"POST".equals(ex.getRequestMethod())) {
                send(ex, 405, "text/plain", new byte[0]);
                return;
            }
            if (codecDown) {
                send(ex, 503, "application/problem+json",
                        "{\"status\":503,\"title\":\"Service Unavailable\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            byte[] answer;
            List<byte[]> payloads;
            try {
                payloads = PayloadBatch.read(body, 10_000);
                List<WeightedUpdate> weighted = payloads.stream().map(p -> UpdateDecoder.decode(p, null))
                        .map(d -> new WeightedUpdate(d.update(), d.header().samples()))
                        .toList();
                NamedTensors avg = new FedAvg().aggregate(weighted);
                answer = SafeTensors.write(avg);
            } catch (RuntimeException e) {
                send(ex, 400, "text/plain", String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
                return;
            }
            aggregatedBatches.add(List.copyOf(payloads));
            send(ex, 200, "application/octet-stream", answer);
        }
    }

    private void registry(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = readAll(ex);
            String path = ex.getRequestURI().getPath();
            boolean write = "POST".equals(ex.getRequestMethod()) && path.equals("/api/v1/experiments")
                    || "PUT".equals(ex.getRequestMethod()) && path.matches("/api/v1/experiments/[^/]+/rounds/\\d+");
            if (write && !("Bearer " + registryKey).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                registryRefusals.incrementAndGet();
                send(ex, 401, "application/problem+json",
                        "{\"status\":401,\"title\":\"Unauthorized\",\"detail\":\"the API key is not valid\"}"
                                .getBytes(StandardCharsets.UTF_8));
                return;
            }
            JsonNode json = JSON.readTree(body);
            if ("POST".equals(ex.getRequestMethod()) && path.equals("/api/v1/experiments")) {
                registryExperiments.put(json.get("id").asString(), json);
                registryStatuses.computeIfAbsent(json.get("id").asString(), k -> new CopyOnWriteArrayList<>())
                        .add(json.get("status").asString());
                send(ex, 200, "application/json", body);
            } else if ("PUT".equals(ex.getRequestMethod()) && path.matches("/api/v1/experiments/[^/]+/rounds/\\d+")) {
                String[] parts = path.split("/");
                registryRounds.put(parts[4] + "/" + parts[6], json);
                send(ex, 200, "application/json", body);
            } else {
                send(ex, 404, "text/plain", new byte[0]);
            }
        }
    }

    private static byte[] readAll(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
