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

    public CoordinatorApi(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    public JsonNode submit(Object spec) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/experiments"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(spec))).build();
        return send(req, 201);
    }

    public JsonNode experiment(String id) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/experiments/" + id)).GET().build(), 200);
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
