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
 *       it can be switched to answer 503 to play a codec-service that is down, or to answer late;</li>
 *   <li>the rest of the codec-service for learned codecs ({@code cgae}): {@code POST /api/v1/decode},
 *       and codec versions ({@code POST|GET /api/v1/experiments/{id}/codec-versions[/{v}]}, FAF
 *       {@code POST .../{v}/contributions} or, from the server's side, {@code .../{v}/refit}). A learned payload decodes to zeros of its manifest (the fake
 *       has no trained codec); TGAP version 1 is READY at once; an adaptation publishes version v+1,
 *       idempotently. Each operation ({@link #CODEC_OPERATIONS}) can be made to fail alone;</li>
 *   <li>the experiment registry's {@code POST /api/v1/experiments} and
 *       {@code PUT /api/v1/experiments/{id}/rounds/{round}}: records what it was sent, when it comes
 *       with the registry key ({@code Authorization: Bearer}); 401 and nothing recorded otherwise.</li>
 * </ul>
 */
public final class FakePeerServices {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What {@link #failCodec(String...)} can make fail: aggregate, decode, version (GET), tgap (POST), adapt. */
    public static final List<String> CODEC_OPERATIONS = List.of("aggregate", "decode", "version", "tgap", "adapt");
    private static final java.util.regex.Pattern CODEC_VERSIONS =
            java.util.regex.Pattern.compile("/api/v1/experiments/([^/]+)/codec-versions(?:/(\\d+)(/contributions|/refit|/encoder)?)?");

    private final HttpServer server;
    private final String registryKey;
    private final AtomicInteger registryRefusals = new AtomicInteger();
    private final String codecKey;
    private final AtomicInteger codecRefusals = new AtomicInteger();
    private volatile boolean codecDown;
    private final java.util.Set<String> failing = ConcurrentHashMap.newKeySet();
    private volatile long codecDelayMs;
    private final AtomicInteger slowAggregatesInFlight = new AtomicInteger();
    private final AtomicInteger slowAggregatesDone = new AtomicInteger();
    private final Map<String, List<Long>> codecCalls = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, Map<String, Object>>> codecVersions = new ConcurrentHashMap<>();
    private final AtomicInteger aggregateCalls = new AtomicInteger();
    private final List<List<byte[]>> aggregatedBatches = new CopyOnWriteArrayList<>();
    /** The strategy each aggregate call named (fedavg where none was sent). */
    public final List<String> aggregateStrategies = new CopyOnWriteArrayList<>();
    /** The weight cap of each aggregate call (Long.MAX_VALUE where none was sent). */
    public final List<Long> aggregateCaps = new CopyOnWriteArrayList<>();
    private final Map<String, JsonNode> registryExperiments = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> registryRounds = new ConcurrentHashMap<>();
    private final Map<String, Integer> registryRoundPuts = new ConcurrentHashMap<>();
    private final Map<String, List<String>> registryStatuses = new ConcurrentHashMap<>();

    private FakePeerServices(HttpServer server, String registryKey, String codecKey) {
        this.server = server;
        this.registryKey = registryKey;
        this.codecKey = codecKey;
        server.createContext("/api/v1/aggregate", codecAuthorised(this::aggregate));
        server.createContext("/api/v1/decode", codecAuthorised(this::decode));
        server.createContext("/api/v1/experiments", ex -> {
            if (ex.getRequestURI().getPath().contains("/codec-versions")) {
                codecAuthorised(this::codecVersions).handle(ex);
            } else {
                registry(ex);
            }
        });
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-peer-services");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /**
     * @param registryKey the key the registry expects from the coordinator
     * @param codecKey    the key the codec-service expects from the coordinator on every call
     */
    public static FakePeerServices start(String registryKey, String codecKey) {
        try {
            return new FakePeerServices(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0),
                    registryKey, codecKey);
        } catch (IOException e) {
            throw new IllegalStateException("fake peer services did not start", e);
        }
    }

    public String url() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    /** As the codec-service: every call without the coordinator's key gets 401 (counted) and does nothing. */
    private com.sun.net.httpserver.HttpHandler codecAuthorised(com.sun.net.httpserver.HttpHandler handler) {
        return ex -> {
            if (!("Bearer " + codecKey).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                try (ex) {
                    codecRefusals.incrementAndGet();
                    readAll(ex);
                    send(ex, 401, "application/problem+json",
                            "{\"status\":401,\"title\":\"Unauthorized\",\"detail\":\"the API key is not valid\"}"
                                    .getBytes(StandardCharsets.UTF_8));
                }
                return;
            }
            handler.handle(ex);
        };
    }

    /** Codec-service calls refused for a missing or wrong key. */
    public int codecRefusals() {
        return codecRefusals.get();
    }

    public void reset() {
        codecDown = false;
        failing.clear();
        codecDelayMs = 0;
        codecCalls.clear();
        codecVersions.clear();
        aggregateCalls.set(0);
        aggregateStrategies.clear();
        aggregatedBatches.clear();
        registryExperiments.clear();
        registryRounds.clear();
        registryRoundPuts.clear();
        registryStatuses.clear();
        registryRefusals.set(0);
    }

    /** Registry writes refused for a missing or wrong key since the last reset. */
    public int registryRefusals() {
        return registryRefusals.get();
    }

    /** Every codec-service operation answers 503 while down. */
    public void codecDown(boolean down) {
        codecDown = down;
    }

    /** These operations answer 503 (the others work); none given: all work again. */
    public void failCodec(String... operations) {
        failing.clear();
        failing.addAll(List.of(operations));
    }

    /** The aggregation answers only after this long (a slow codec-service). */
    /** Delayed aggregate calls now sleeping, and those whose sleep has ended. */
    public int slowAggregatesInFlight() {
        return slowAggregatesInFlight.get();
    }

    public int slowAggregatesDone() {
        return slowAggregatesDone.get();
    }

    public void codecDelay(java.time.Duration delay) {
        codecDelayMs = delay.toMillis();
    }

    /** When each call of this operation arrived ({@link System#nanoTime()}), answered or not. */
    public List<Long> codecCalls(String operation) {
        return codecCalls.getOrDefault(operation, List.of());
    }

    /** The codec versions the fake holds for an experiment, by number. */
    public Map<Integer, Map<String, Object>> codecVersions(Object experimentId) {
        return codecVersions.getOrDefault(experimentId.toString(), Map.of());
    }

    /** Records the call; answers 503 and returns true when the operation is to fail. */
    private boolean refuse(HttpExchange ex, String operation) throws IOException {
        codecCalls.computeIfAbsent(operation, k -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
        if (codecDown || failing.contains(operation)) {
            send(ex, 503, "application/problem+json",
                    "{\"status\":503,\"title\":\"Service Unavailable\"}".getBytes(StandardCharsets.UTF_8));
            return true;
        }
        return false;
    }

    /** A payload's update as the fake decodes it: learned payloads are zeros of their manifest. */
    private static WeightedUpdate decodeAny(byte[] payload) {
        // the tests' experiments have the layout of Payloads (version 2 payloads name it by digest)
        return decodeAny(payload, io.cgfed.core.tensor.TensorSpec.manifestOf(Payloads.layout(Payloads.RANK)));
    }

    /** As above, in the layout a round's batch declared (an FFA experiment's: B factors only). */
    private static WeightedUpdate decodeAny(byte[] payload, List<io.cgfed.core.tensor.TensorSpec> layout) {
        io.cgfed.core.codec.UpdatePayload parsed = io.cgfed.core.codec.UpdatePayload.parse(payload, layout);
        if (io.cgfed.core.codec.Codecs.learned(parsed.header().codec())) {
            NamedTensors zeros = new NamedTensors();
            parsed.header().manifest().forEach(t -> zeros.put(t.name(), io.cgfed.core.tensor.FloatTensor.zeros(t.shape())));
            return new WeightedUpdate(zeros, parsed.header().samples());
        }
        UpdateDecoder.DecodedUpdate d = UpdateDecoder.decode(payload, null, io.cgfed.core.codec.UpdatePayload.Layouts.of(layout),
                UpdateDecoder.STATELESS);
        return new WeightedUpdate(d.update(), d.header().samples());
    }

    private void decode(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = readAll(ex);
            if (refuse(ex, "decode")) {
                return;
            }
            byte[] answer;
            try {
                answer = SafeTensors.write(decodeAny(body).update());
            } catch (RuntimeException e) {
                send(ex, 400, "application/problem+json", JSON.writeValueAsBytes(Map.of("status", 400, "title",
                        "Invalid payload", "detail", String.valueOf(e.getMessage()))));
                return;
            }
            send(ex, 200, "application/octet-stream", answer);
        }
    }

    private void codecVersions(HttpExchange ex) throws IOException {
        try (ex) {
            readAll(ex);
            java.util.regex.Matcher m = CODEC_VERSIONS.matcher(ex.getRequestURI().getPath());
            if (!m.matches()) {
                send(ex, 404, "text/plain", new byte[0]);
                return;
            }
            String experiment = m.group(1);
            Map<Integer, Map<String, Object>> versions = codecVersions.computeIfAbsent(experiment,
                    k -> new ConcurrentHashMap<>());
            String method = ex.getRequestMethod();
            if (m.group(2) == null && method.equals("POST")) {
                if (refuse(ex, "tgap")) {
                    return;
                }
                send(ex, 201, "application/json", JSON.writeValueAsBytes(versions.computeIfAbsent(1,
                        v -> version(v, "TGAP", null))));
            } else if (m.group(2) == null && method.equals("GET")) {
                send(ex, 200, "application/json", JSON.writeValueAsBytes(List.copyOf(versions.values())));
            } else if (m.group(3) == null && method.equals("GET")) {
                if (refuse(ex, "version")) {
                    return;
                }
                Map<String, Object> v = versions.get(Integer.parseInt(m.group(2)));
                if (v == null) {
                    send(ex, 404, "application/problem+json",
                            "{\"status\":404,\"title\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8));
                } else {
                    send(ex, 200, "application/json", JSON.writeValueAsBytes(v));
                }
            } else if (("/contributions".equals(m.group(3)) || "/refit".equals(m.group(3))) && method.equals("POST")) {
                if (refuse(ex, "adapt")) {
                    return;
                }
                codecCalls.computeIfAbsent(m.group(3).substring(1), k -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
                int parent = Integer.parseInt(m.group(2));
                Map<String, Object> next = versions.values().stream()
                        .filter(v -> Integer.valueOf(parent).equals(v.get("parentVersion"))).findFirst()
                        .orElseGet(() -> {
                            int number = versions.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
                            Map<String, Object> v = version(number, "FAF", parent);
                            versions.put(number, v);
                            return v;
                        });
                send(ex, 201, "application/json", JSON.writeValueAsBytes(next));
            } else {
                send(ex, 404, "text/plain", new byte[0]);
            }
        }
    }

    /** A READY version as the codec-service answers it: every field of the shared record. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> version(int number, String origin, Integer parent) {
        io.cgfed.core.protocol.CodecVersionView v = new io.cgfed.core.protocol.CodecVersionView(null, number, "cgae",
                "linear", origin, parent, "READY", Map.of(), 0, null, List.of(), null, null, null, null, null, null);
        return new java.util.LinkedHashMap<>(JSON.convertValue(v, Map.class));
    }

    /** Every aggregate request received, answered or not. */
    public int aggregateCalls() {
        return aggregateCalls.get();
    }

    /** The payload batches that were aggregated (answered 200), in order. */
    public List<List<byte[]>> aggregatedBatches() {
        return aggregatedBatches;
    }

    /** The last experiment record the registry was sent for this id, or null. */
    public JsonNode registryExperiment(Object experimentId) {
        return registryExperiments.get(experimentId.toString());
    }

    /** Every status the registry was sent for this experiment, in order. */
    public List<String> registryStatuses(Object experimentId) {
        return registryStatuses.getOrDefault(experimentId.toString(), List.of());
    }

    /** How many times the coordinator sent this round to the registry. */
    public int registryRoundPuts(Object experimentId, int round) {
        return registryRoundPuts.getOrDefault(experimentId + "/" + round, 0);
    }

    public JsonNode registryRound(Object experimentId, int round) {
        return registryRounds.get(experimentId + "/" + round);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new java.util.HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                out.put(java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private void aggregate(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = readAll(ex);
            aggregateCalls.incrementAndGet();
            if (!"POST".equals(ex.getRequestMethod())) {
                send(ex, 405, "text/plain", new byte[0]);
                return;
            }
            if (refuse(ex, "aggregate")) {
                return;
            }
            if (codecDelayMs > 0) {
                slowAggregatesInFlight.incrementAndGet();
                try {
                    Thread.sleep(codecDelayMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    slowAggregatesInFlight.decrementAndGet();
                    slowAggregatesDone.incrementAndGet();
                }
            }
            byte[] answer;
            List<byte[]> payloads;
            try {
                List<byte[]> parts = PayloadBatch.read(body, 10_000);
                NamedTensors global = parts.stream().map(PayloadBatch::globalOf).filter(java.util.Objects::nonNull)
                        .findFirst().orElse(null);
                payloads = parts.stream().filter(p -> PayloadBatch.layoutOf(p) == null && PayloadBatch.globalOf(p) == null)
                        .toList();
                List<io.cgfed.core.tensor.TensorSpec> declared = parts.stream().map(PayloadBatch::layoutOf)
                        .filter(java.util.Objects::nonNull).findFirst()
                        .orElse(io.cgfed.core.tensor.TensorSpec.manifestOf(Payloads.layout(Payloads.RANK)));
                // the coordinator's weight cap and the strategy's rule, as the codec-service applies them
                Map<String, String> query = query(ex.getRequestURI().getRawQuery());
                long cap = query.containsKey("maxClientSamples") ? Long.parseLong(query.get("maxClientSamples"))
                        : Long.MAX_VALUE;
                aggregateCaps.add(cap);
                aggregateStrategies.add(query.getOrDefault("strategy", "fedavg"));
                @SuppressWarnings("unchecked")
                Map<String, Object> settings = query.containsKey("strategySettings")
                        ? JSON.readValue(query.get("strategySettings"), Map.class) : Map.of();
                io.cgfed.core.aggregation.AggregationRule.Combiner combiner = io.cgfed.core.aggregation.Strategies
                        .create(query.getOrDefault("strategy", "fedavg"), settings).rule().start(global);
                List<WeightedUpdate> weighted = payloads.stream().map(p -> decodeAny(p, declared))
                        .map(w -> new WeightedUpdate(w.update(), Math.min(w.weight(), cap))).toList();
                for (int i = 0; i < weighted.size(); i++) {
                    combiner.add(i, weighted.get(i).update(), weighted.get(i).weight());
                }
                io.cgfed.core.aggregation.AggregationRule.Combined combined = combiner.result();
                answer = SafeTensors.write(combined.update());
                ex.getResponseHeaders().add("Cgfed-Aggregation-Diagnostics", JSON.writeValueAsString(combined.diagnostics()));
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
                registryRoundPuts.merge(parts[4] + "/" + parts[6], 1, Integer::sum);
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
