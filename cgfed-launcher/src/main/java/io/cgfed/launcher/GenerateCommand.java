package io.cgfed.launcher;

import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./cgfed generate --experiment ID --prompt TEXT}: asks a running worker to continue a prompt with an
 * experiment's adapter (the user's key in {@code CGFED_API_KEY}); the completion on stdout.
 */
final class GenerateCommand {
    private GenerateCommand() {
    }

    static int run(LauncherOptions o) throws Exception {
        if (o.experiment == null || o.prompt == null) {
            System.err.println("cgfed generate needs --experiment ID and --prompt TEXT");
            return 2;
        }
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("experimentId", o.experiment);
        if (o.version >= 0) {
            body.put("adapterVersion", o.version);
        }
        body.put("prompt", o.prompt);
        body.put("maxNewTokens", o.maxNewTokens);
        body.put("temperature", o.temperature);
        body.put("topK", o.topK);
        body.put("seed", o.seed);
        String key = System.getenv("CGFED_API_KEY");
        if (key == null || key.isBlank()) {
            System.err.println("cgfed generate needs a user's API key in CGFED_API_KEY (./cgfed up prints the admin key)");
            return 2;
        }
        var http = java.net.http.HttpClient.newHttpClient();
        var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(o.workerUrl + "/api/v1/generate"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key.strip())
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(CoordinatorApi.toJson(body))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            System.err.println("cgfed generate: the worker answered " + response.statusCode() + ": " + response.body());
            return 1;
        }
        JsonNode r = tools.jackson.databind.json.JsonMapper.builder().build().readTree(response.body());
        System.out.println(r.get("prompt").asString() + r.get("completion").asString());
        System.err.printf("(adapter version %d of %s, %d new tokens)%n", r.get("adapterVersion").asInt(),
                r.get("experimentId").asString(), r.get("newTokens").asInt());
        return 0;
    }
}
