package io.cgfed.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A coordinator on localhost that knows what a test gives it: experiments with adapter versions
 * (their raw bytes for the listing, a PEFT zip each), experiments that fail with a 500, and it can
 * go down and come back on the same port. Like the real one with closed reads, it answers only
 * requests that carry its key (401 otherwise).
 */
public final class FakeCoordinator {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern EXPERIMENT = Pattern.compile("/api/v1/experiments/([0-9a-f-]{36})");
    private static final Pattern PEFT = Pattern.compile("/api/v1/experiments/([0-9a-f-]{36})/adapters/(-?\\d+)/peft");
    private static final Pattern RAW = Pattern.compile("/api/v1/experiments/([0-9a-f-]{36})/adapters/(-?\\d+)");
    private static final Pattern CODECS = Pattern.compile("/api/v1/experiments/([0-9a-f-]{36})/codec-versions");
    private static final Pattern ENCODER = Pattern.compile("/api/v1/experiments/([0-9a-f-]{36})/codec-versions/(-?\\d+)/encoder");

    public record Version(byte[] raw, byte[] zip) {
    }

    private final Map<UUID, Map<Integer, Version>> experiments = new ConcurrentHashMap<>();
    private final Set<UUID> failing = ConcurrentHashMap.newKeySet();
    /** Codec versions per experiment: version -> weights (null: still TRAINING). */
    private final Map<UUID, Map<Integer, byte[]>> codecs = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final int port;
    private final String apiKey;
    private volatile HttpServer server;

    private FakeCoordinator(int port, String apiKey) {
        this.port = port;
        this.apiKey = apiKey;
    }

    /** @param apiKey the key every request must carry ({@code Authorization: Bearer}); 401 otherwise */
    public static FakeCoordinator start(String apiKey) {
        HttpServer s = listen(0);
        return new FakeCoordinator(s.getAddress().getPort(), apiKey).adopt(s);
    }

    private FakeCoordinator adopt(HttpServer running) {
        running.createContext("/", this::handle);
        running.start();
        this.server = running;
        return this;
    }

    private static HttpServer listen(int onPort) {
        try {
            return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://localhost:" + port;
    }

    /** An experiment the coordinator knows, with these adapter versions (version -> raw safetensors, zip). */
    public void experiment(UUID id, Map<Integer, Version> versions) {
        experiments.put(id, new TreeMap<>(versions));
    }

    /** The experiment's codec versions (version -> model file; null: a version still TRAINING). */
    public void codecVersions(UUID id, Map<Integer, byte[]> versions) {
        codecs.put(id, new TreeMap<>(versions));
    }

    /** Every request for this experiment answers 500. */
    public void failing(UUID id) {
        failing.add(id);
    }

    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** Closes the port: connections are refused until {@link #up()}. */
    public synchronized void down() {
        server.stop(0);
    }

    public synchronized void up() {
        adopt(listen(port));
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            requests.add(ex.getRequestMethod() + " " + path);
            Matcher peft = PEFT.matcher(path);
            Matcher experiment = EXPERIMENT.matcher(path);
            if (!("Bearer " + apiKey).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                problem(ex, 401, "the API key is not valid");
            } else if (!ex.getRequestMethod().equals("GET")) {
                problem(ex, 405, "method not allowed");
            } else if (peft.matches()) {
                UUID id = UUID.fromString(peft.group(1));
                int version = Integer.parseInt(peft.group(2));
                Map<Integer, Version> versions = experiments.get(id);
                if (failing.contains(id)) {
                    problem(ex, 500, "internal error");
                } else if (versions == null) {
                    problem(ex, 404, "no experiment " + id);
                } else if (!versions.containsKey(version)) {
                    problem(ex, 404, "experiment " + id + " has no adapter version " + version);
                } else {
                    ex.getResponseHeaders().add("Content-Type", "application/zip");
                    ex.getResponseHeaders().add("Content-Disposition",
                            "attachment; filename=\"adapter-" + id + "-v" + version + "-peft.zip\"");
                    send(ex, 200, versions.get(version).zip());
                }
            } else if (RAW.matcher(path).matches()) {
                Matcher m = RAW.matcher(path);
                m.matches();
                Map<Integer, Version> versions = experiments.get(UUID.fromString(m.group(1)));
                Version v = versions == null ? null : versions.get(Integer.parseInt(m.group(2)));
                if (v == null) {
                    problem(ex, 404, "no adapter version " + m.group(2) + " of experiment " + m.group(1));
                } else {
                    ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
                    send(ex, 200, v.raw());
                }
            } else if (CODECS.matcher(path).matches()) {
                Matcher m = CODECS.matcher(path);
                m.matches();
                UUID id = UUID.fromString(m.group(1));
                if (!experiments.containsKey(id)) {
                    problem(ex, 404, "no experiment " + id);
                } else {
                    ArrayNode list = JSON.createArrayNode();
                    // every field of the shared record, as the codec-service writes it and the coordinator passes it
                    // on, and one the record does not know (a newer coordinator's): the registry skips it
                    codecs.getOrDefault(id, Map.of()).forEach((version, weights) -> list.add(((ObjectNode) JSON.valueToTree(
                            new io.cgfed.core.protocol.CodecVersionView(id, version, "cgae", "linear",
                                    version == 1 ? "TGAP" : "FAF", version == 1 ? null : version - 1,
                                    weights == null ? "TRAINING" : "READY", Map.of(), 0, null, java.util.List.of(), null,
                                    null, weights == null ? null : (long) weights.length,
                                    weights == null ? null : sha256(weights), null, null))).put("addedLater", 1)));
                    ex.getResponseHeaders().add("Content-Type", "application/json");
                    send(ex, 200, JSON.writeValueAsBytes(list));
                }
            } else if (ENCODER.matcher(path).matches()) {
                Matcher m = ENCODER.matcher(path);
                m.matches();
                Map<Integer, byte[]> versions = codecs.getOrDefault(UUID.fromString(m.group(1)), Map.of());
                int version = Integer.parseInt(m.group(2));
                if (!versions.containsKey(version)) {
                    problem(ex, 404, "codec version " + version + " of experiment " + m.group(1));
                } else if (versions.get(version) == null) {
                    problem(ex, 409, "codec version " + version + " of experiment " + m.group(1) + " has no weights yet");
                } else {
                    ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
                    send(ex, 200, versions.get(version));
                }
            } else if (experiment.matches()) {
                UUID id = UUID.fromString(experiment.group(1));
                Map<Integer, Version> versions = experiments.get(id);
                if (failing.contains(id)) {
                    problem(ex, 500, "internal error");
                } else if (versions == null) {
                    problem(ex, 404, "no experiment " + id);
                } else {
                    ex.getResponseHeaders().add("Content-Type", "application/json");
                    send(ex, 200, JSON.writeValueAsBytes(view(id, versions)));
                }
            } else {
                problem(ex, 404, "no route " + path);
            }
        }
    }

    /** The coordinator's experiment view, with the fields the registry reads and some it ignores. */
    private static ObjectNode view(UUID id, Map<Integer, Version> versions) {
        ObjectNode v = JSON.createObjectNode();
        v.put("id", id.toString());
        v.put("name", "fake-" + id);
        v.put("status", "RUNNING");
        v.putArray("roundSummaries");
        ArrayNode list = v.putArray("adapterVersions");
        versions.forEach((version, files) -> list.addObject()
                .put("version", version)
                .put("sha256", sha256(files.raw()))
                .put("bytes", files.raw().length)
                .put("createdAt", "2026-01-01T00:00:00Z"));
        return v;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void problem(HttpExchange ex, int status, String detail) throws IOException {
        ObjectNode p = JSON.createObjectNode();
        p.put("type", "about:blank");
        p.put("title", status == 404 ? "Not Found" : "Error");
        p.put("status", status);
        p.put("detail", detail);
        ex.getResponseHeaders().add("Content-Type", "application/problem+json");
        send(ex, status, JSON.writeValueAsString(p).getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }
}
