package io.cgfed.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** The few coordinator calls a user makes, over plain HTTP. */
public final class CoordinatorApi {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String apiKey;

    /** @param apiKey sent as {@code Authorization: Bearer} on every call */
    public CoordinatorApi(String baseUrl, String apiKey) {
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
    }

    public JsonNode submit(Object spec) throws IOException, InterruptedException {
        HttpRequest req = request("/api/v1/experiments")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(spec))).build();
        return send(req, 201);
    }

    public JsonNode experiment(String id) throws IOException, InterruptedException {
        return send(request("/api/v1/experiments/" + id).GET().build(), 200);
    }

    /** The bytes of a GET (an adapter, a PEFT zip), or an error with the answer's status and body. */
    public byte[] download(String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(request(path).timeout(Duration.ofMinutes(10)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " answered " + r.statusCode() + ": "
                    + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return r.body();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Authorization", "Bearer " + apiKey);
    }

    private JsonNode send(HttpRequest req, int expected) throws IOException, InterruptedException {
        if (req.timeout().isEmpty()) { // an overloaded coordinator must not hang the caller
            req = HttpRequest.newBuilder(req, (name, value) -> true).timeout(Duration.ofSeconds(60)).build();
        }
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expected) {
            throw new IOException(req.method() + " " + req.uri() + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    public static String toJson(Object value) {
        return JSON.writeValueAsString(value);
    }
}
