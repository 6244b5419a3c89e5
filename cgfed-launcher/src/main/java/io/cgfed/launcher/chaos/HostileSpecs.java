package io.cgfed.launcher.chaos;

import io.cgfed.launcher.CoordinatorApi;
import io.cgfed.launcher.Platform;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The probe's hostile specs: each is a valid spec with a hostile patch laid over it (a path out of the data
 * roots, a bound or a type broken, an unknown field), and each must be a 4xx and store nothing.
 */
final class HostileSpecs {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HostileSpecs() {
    }

    /** Submits every hostile spec; the table's line for them. */
    static ChaosRun.Row run(Platform platform) throws Exception {
        List<String> hostile = List.of(
                "{\"dataset\":{\"path\":\"/etc/passwd\",\"name\":\"multiple-choice\"}}",
                "{\"dataset\":{\"path\":\"/proc/self/environ\",\"name\":\"multiple-choice\"}}",
                "{\"dataset\":{\"path\":\"../../x\",\"name\":\"multiple-choice\"}}",
                "{\"dataset\":{\"trainExamples\":2000000000}}",
                "{\"training\":{\"learningRate\":\"Infinity\"}}",
                "{\"training\":{\"learningRate\":1e308}}",
                "{\"clients\":3.5}",
                "{\"lora\":{\"targets\":[\"q\",\"q\"]}}",
                "{\"unknownField\":1}",
                "{\"codec\":{\"name\":\"fp16\",\"settings\":{\"levels\":8}}}",
                "{\"model\":{\"name\":\"/etc\"}}");
        int refused = 0;
        List<String> notes = new ArrayList<>();
        long before = countExperiments(platform);
        for (String patch : hostile) {
            String body = merge(CoordinatorApi.toJson(ChaosRun.spec("hostile", 2, 1)), patch);
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(platform.coordinatorUrl()
                    + "/api/v1/experiments")).header("Authorization", "Bearer " + platform.adminApiKey())
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 400 && r.statusCode() < 500) {
                refused++;
            } else {
                notes.add(patch + " answered " + r.statusCode());
            }
        }
        long stored = countExperiments(platform) - before;
        if (stored != 0) {
            notes.add(stored + " hostile specs stored");
        }
        return new ChaosRun.Row("hostile specs (paths, bounds, types, unknown fields)", hostile.size(), refused, 0, stored,
                notes.isEmpty() ? "every one a 4xx, nothing stored" : String.join("; ", notes));
    }

    private static long countExperiments(Platform platform) throws SQLException {
        try (Connection c = DriverManager.getConnection(platform.jdbcUrl(), "postgres", "");
             ResultSet r = c.createStatement().executeQuery("SELECT count(*) FROM coordinator.experiments")) {
            r.next();
            return r.getLong(1);
        }
    }

    /** {@code base} with the fields of {@code patch} laid over it (objects merged, the rest replaced). */
    static String merge(String base, String patch) {
        tools.jackson.databind.ObjectMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
        tools.jackson.databind.node.ObjectNode b = (tools.jackson.databind.node.ObjectNode) json.readTree(base);
        mergeInto(b, (tools.jackson.databind.node.ObjectNode) json.readTree(patch));
        return json.writeValueAsString(b);
    }

    private static void mergeInto(tools.jackson.databind.node.ObjectNode into, tools.jackson.databind.node.ObjectNode patch) {
        for (var e : patch.properties()) {
            JsonNode existing = into.get(e.getKey());
            if (existing instanceof tools.jackson.databind.node.ObjectNode o && e.getValue().isObject()) {
                mergeInto(o, (tools.jackson.databind.node.ObjectNode) e.getValue());
            } else {
                into.set(e.getKey(), e.getValue());
            }
        }
    }
}
