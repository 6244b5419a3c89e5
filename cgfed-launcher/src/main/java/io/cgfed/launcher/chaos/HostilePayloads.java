package io.cgfed.launcher.chaos;

import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.launcher.CoordinatorApi;
import io.cgfed.launcher.Platform;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The probe's hostile payloads, from an enrolled rogue worker beside the real ones: it takes one TRAIN task
 * of an experiment with one client more than the real workers, and uploads each hostile payload for it.
 * Every one must be a 4xx and leave no upload row; the last (a claim of 2^40 samples) also fails the task,
 * so the round closes with the real workers' updates and the experiment completes.
 */
final class HostilePayloads {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private HostilePayloads() {
    }

    /** A hostile payload: what it is, and how it is made from the task's honest header and update. */
    private record Hostile(String what, Function<Task, byte[]> payload) {
    }

    /** The rogue's task: the experiment, round and client it is for, and an honest update of its layout. */
    private record Task(String experimentId, int round, int client, NamedTensors update) {
        byte[] payload(String codec, int codecVersion, long samples, NamedTensors values, int round, int client) {
            byte[] body = Codecs.create(codec, Map.of()).encode(values);
            return new UpdatePayload(new PayloadHeader(experimentId, round, client, codec, codecVersion, samples,
                    TensorSpec.manifestOf(values), Map.of("trainLoss", 1.0)), body).toBytes();
        }

        byte[] honest() {
            return payload("fp16", 0, 1, update, round, client);
        }
    }

    static ChaosRun.Row run(Platform platform, CoordinatorApi api, Map<String, Object> spec, int realWorkers)
            throws Exception {
        JsonNode registered = JSON.readTree(send(HttpRequest.newBuilder(URI.create(platform.coordinatorUrl() + "/api/v1/workers"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + platform.joinToken())
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"chaos-rogue\",\"device\":\"cpu\"}"))).body());
        Rogue rogue = new Rogue(platform.coordinatorUrl(), UUID.fromString(registered.get("workerId").asString()),
                registered.get("credential").asString());
        Map<String, Object> s = new LinkedHashMap<>(spec);
        s.put("clients", realWorkers + 1);
        s.put("minClients", realWorkers);
        String id = api.submit(s).get("id").asString();
        JsonNode task = rogue.trainTask(id);
        Task t = new Task(id, task.get("round").asInt(), task.get("clientIndex").asInt(), update(spec));
        UUID taskId = UUID.fromString(task.get("taskId").asString());

        List<Hostile> hostile = List.of(
                new Hostile("empty body", x -> new byte[0]),
                new Hostile("truncated", x -> java.util.Arrays.copyOf(x.honest(), x.honest().length - 9)),
                new Hostile("one byte flipped (checksum)", x -> {
                    byte[] p = x.honest();
                    p[p.length / 2] ^= 0x40;
                    return p;
                }),
                new Hostile("not a payload", x -> "{\"update\": [1, 2, 3]}".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                new Hostile("another round", x -> x.payload("fp16", 0, 1, x.update(), x.round() + 1, x.client())),
                new Hostile("another client", x -> x.payload("fp16", 0, 1, x.update(), x.round(), x.client() + 1)),
                new Hostile("another layout", x -> {
                    NamedTensors other = new NamedTensors().put("w", new FloatTensor(new int[] {16}, new float[16]));
                    return x.payload("fp16", 0, 1, other, x.round(), x.client());
                }),
                new Hostile("NaN values", x -> x.payload("fp16", 0, 1, x.update().scaled(Float.NaN), x.round(), x.client())),
                new Hostile("codec version 7 for fp16", x -> x.payload("fp16", 7, 1, x.update(), x.round(), x.client())),
                new Hostile("another codec than the spec's", x -> x.payload("int8", 0, 1, x.update(), x.round(), x.client())),
                // last: a claim above the shard also fails the task (the round closes without the rogue)
                new Hostile("2^40 samples", x -> x.payload("fp16", 0, 1L << 40, x.update(), x.round(), x.client())));
        int refused = 0;
        List<String> notes = new ArrayList<>();
        for (Hostile h : hostile) {
            HttpResponse<String> r = rogue.upload(taskId, h.payload().apply(t));
            if (r.statusCode() >= 400 && r.statusCode() < 500) {
                refused++;
            } else {
                notes.add(h.what() + " answered " + r.statusCode());
            }
        }
        long stored = uploads(platform, id, t.client());
        if (stored != 0) {
            notes.add(stored + " hostile uploads stored");
        }
        String status = await(api, id);
        int completed = status.equals("COMPLETED") ? refused : 0;
        if (!status.equals("COMPLETED")) {
            notes.add("the experiment ended " + status);
        }
        return new ChaosRun.Row("hostile payloads from an enrolled worker (" + String.join(", ",
                hostile.stream().map(Hostile::what).toList()) + ")", hostile.size(), completed, 0, stored,
                notes.isEmpty() ? "every one a 4xx, nothing stored, the experiment completed without the rogue" : String.join("; ", notes));
    }

    /** An honest-looking update of the spec's adapter layout. */
    private static NamedTensors update(Map<String, Object> spec) {
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) spec.get("model");
        @SuppressWarnings("unchecked")
        Map<String, Object> lora = (Map<String, Object>) spec.get("lora");
        @SuppressWarnings("unchecked")
        List<String> targets = (List<String>) lora.get("targets");
        int rank = ((Number) lora.get("rank")).intValue();
        NamedTensors u = new NamedTensors();
        LoraAdapter.shapes(ModelCatalog.config((String) model.get("name")),
                new io.cgfed.core.model.LoraConfig(rank, ((Number) lora.get("alpha")).doubleValue(),
                        targets.stream().map(io.cgfed.core.model.LoraTarget::parse).toList()))
                .forEach((name, shape) -> {
                    float[] v = new float[(int) FloatTensor.numel(shape)];
                    java.util.Arrays.fill(v, 1e-3f);
                    u.put(name, new FloatTensor(shape, v));
                });
        return u;
    }

    private static long uploads(Platform platform, String experiment, int client) throws Exception {
        try (Connection c = DriverManager.getConnection(platform.jdbcUrl(), "postgres", "");
             PreparedStatement s = c.prepareStatement("SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ? "
                     + "AND client_index = ?")) {
            s.setObject(1, UUID.fromString(experiment));
            s.setInt(2, client);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private static String await(CoordinatorApi api, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        String status = "PENDING";
        while (List.of("PENDING", "RUNNING").contains(status) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            status = api.experiment(id).get("status").asString();
        }
        return status;
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The rogue worker: polls for the experiment's TRAIN task, serving any EVALUATE task it is given. */
    private record Rogue(String coordinatorUrl, UUID id, String credential) {
        HttpRequest.Builder as(HttpRequest.Builder request) {
            return request.header("Cgfed-Worker-Id", id.toString()).header("Authorization", "Bearer " + credential);
        }

        JsonNode trainTask(String experimentId) throws Exception {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (System.nanoTime() < deadline) {
                HttpResponse<String> r = send(as(HttpRequest.newBuilder(URI.create(coordinatorUrl + "/api/v1/workers/" + id
                        + "/tasks/next?waitSeconds=10"))).GET());
                if (r.statusCode() != 200) {
                    continue;
                }
                JsonNode task = JSON.readTree(r.body());
                if (task.get("type").asString().equals("TRAIN") && task.get("experimentId").asString().equals(experimentId)) {
                    return task;
                }
                if (task.get("type").asString().equals("EVALUATE")) {
                    send(as(HttpRequest.newBuilder(URI.create(coordinatorUrl + "/api/v1/tasks/" + task.get("taskId").asString()
                            + "/evaluation"))).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"evalLoss\":1.0,\"perplexity\":2.718,\"accuracy\":0.5,\"examples\":8}")));
                }
            }
            throw new IllegalStateException("the rogue worker got no TRAIN task of experiment " + experimentId + " in 3 minutes");
        }

        HttpResponse<String> upload(UUID taskId, byte[] payload) throws Exception {
            return send(as(HttpRequest.newBuilder(URI.create(coordinatorUrl + "/api/v1/tasks/" + taskId + "/update")))
                    .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(payload)));
        }
    }
}
