package io.cgfed.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.secagg.Messages;
import io.cgfed.core.secagg.Quantiser;
import io.cgfed.core.secagg.SecAggClient;
import io.cgfed.core.tensor.NamedTensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A securely aggregated round survives the coordinator killed with SIGKILL inside each of its four stages: the
 * real coordinator process restarted on the same port and database replays the stage messages it stored and goes
 * on; a delivery acknowledged before the kill counts once (sent again it is a duplicate); the round's adapter is the
 * clients' mean. The clients are {@link ScriptedWorker}s running the real SecAgg+ client, so their secrets outlive
 * the coordinator as a worker's would.
 */
class SecureAggregationCrashIT {
    private static final int CLIENTS = 3;
    private static final List<String> STAGES = List.of("SECAGG_ADVERTISE", "SECAGG_SHARE", "TRAIN", "SECAGG_UNMASK");
    private static Platform platform;
    private static Path work;
    private static final ByteArrayOutputStream console = new ByteArrayOutputStream();

    @BeforeAll
    static void startPlatform() throws Exception {
        Path home = Path.of(System.getProperty("cgfed.home", "..")).toAbsolutePath().normalize();
        work = Files.createTempDirectory("cgfed-secure-crash-it-");
        platform = new Platform(new Platform.Settings(home, work, 0, 0, false, 1));
        platform.start(new PrintStream(console, true, StandardCharsets.UTF_8));
        ScriptedWorker.useSecrets(platform.adminApiKey(), platform.joinToken());
    }

    @AfterAll
    static void stopPlatform() {
        if (platform != null) {
            platform.close();
        }
    }

    private record Assigned(ScriptedWorker worker, UUID taskId, int client) {
    }

    @Test
    void aCoordinatorKilledInEachStageResumesTheRoundFromTheDatabase() throws Exception {
        String url = platform.coordinatorUrl();
        List<ScriptedWorker> workers = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            workers.add(ScriptedWorker.register(url, "secure-scripted-" + i));
        }
        Map<String, Object> spec = ScriptedWorker.spec("secure-crash", CLIENTS, CLIENTS, 1, 300);
        spec.put("codec", Map.of("name", "none"));
        spec.put("secureAggregation", Map.of("enabled", true));
        String id = ScriptedWorker.submit(url, spec);
        serve(workers, "EVALUATE", 0).values().forEach(a -> evaluate(a));
        NamedTensors v0 = ScriptedWorker.adapter(url, id, 0);

        SecureRandom random = new SecureRandom();
        Quantiser quantiser = new Quantiser(0.5, 16);
        Map<Integer, SecAggClient> clients = new TreeMap<>();
        Map<Integer, byte[]> firstDelivery = new TreeMap<>();
        float[] mean = new float[Math.toIntExact(v0.numel())];
        for (String stage : STAGES) {
            Map<Integer, Assigned> tasks = serve(workers, stage, 1);
            List<Integer> order = new ArrayList<>(tasks.keySet());
            for (int i = 0; i < order.size(); i++) {
                Assigned a = tasks.get(order.get(i));
                if (i == order.size() - 1) {
                    // the stage's last delivery waits: the coordinator dies inside the stage, and comes back
                    platform.coordinator().kill();
                    platform.restartCoordinator(Duration.ofMinutes(3));
                    // what was acknowledged before the kill is there: sent again, it is a duplicate
                    Assigned earlier = tasks.get(order.get(0));
                    assertThat(earlier.worker().secaggDeliver(url, earlier.taskId(), firstDelivery.get(earlier.client()),
                            contentType(stage)).statusCode()).as("%s again after the restart", stage).isEqualTo(200);
                }
                Messages.StageInput in = a.worker().secaggInput(url, a.taskId());
                byte[] body;
                switch (stage) {
                    case "SECAGG_ADVERTISE" -> {
                        SecAggClient c = new SecAggClient(a.client(), in.config(), random);
                        clients.put(a.client(), c);
                        body = wire(c.advertise());
                    }
                    case "SECAGG_SHARE" -> body = wire(
                            clients.get(a.client()).shareKeys(in.advertisements()));
                    case "TRAIN" -> {
                        float[] u = ScriptedWorker.update(1, a.client()).flatten();
                        for (int j = 0; j < u.length; j++) {
                            mean[j] += u[j] / CLIENTS;
                        }
                        int[] levels = quantiser.encode(u, new SplittableRandom(a.client()));
                        body = Messages.maskedBytes(clients.get(a.client()).maskInput(levels, in.shares()).values());
                    }
                    default -> body = wire(
                            clients.get(a.client()).unmask(new HashSet<>(in.survivors())));
                }
                HttpResponse<String> r = a.worker().secaggDeliver(url, a.taskId(), body, contentType(stage));
                assertThat(r.statusCode()).as("%s of client %d: %s", stage, a.client(), r.body()).isEqualTo(202);
                firstDelivery.put(a.client(), body);
            }
        }
        serve(workers, "EVALUATE", 1).values().forEach(a -> evaluate(a));
        JsonNode e = ScriptedWorker.awaitFinished(url, id);
        assertThat(e.get("status").asString()).as("failure: %s", e.get("failureReason")).isEqualTo("COMPLETED");
        float[] before = v0.flatten();
        float[] after = ScriptedWorker.adapter(url, id, 1).flatten();
        for (int i = 0; i < mean.length; i++) {
            assertThat((double) after[i] - before[i]).as("value %d", i).isCloseTo(mean[i], within(2 * quantiser.step()));
        }
        assertThat(ScriptedWorker.count(platform.jdbcUrl(), "SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ?",
                UUID.fromString(id))).as("no clear update stored").isZero();
        // nor logged: no value of any client's update appears in the coordinator's logs (both of its lives)
        StringBuilder logs = new StringBuilder();
        try (var files = Files.walk(work)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("coordinator-service")
                    && p.toString().endsWith(".log")).toList()) {
                logs.append(Files.readString(f, StandardCharsets.ISO_8859_1));
            }
        }
        assertThat(logs.length()).as("the coordinator's logs were found").isPositive();
        for (int c = 0; c < CLIENTS; c++) {
            float[] u = ScriptedWorker.update(1, c).flatten();
            for (int j = 0; j < 64; j++) {
                assertThat(logs.indexOf(Float.toString(u[j]))).as("client %d value %d in the logs", c, j).isNegative();
            }
        }
    }

    private static String contentType(String stage) {
        return "application/octet-stream";
    }

    private static void evaluate(Assigned a) {
        try {
            a.worker().evaluate(platform.coordinatorUrl(), a.taskId());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Polls the workers until every task of this type and round has come (one for EVALUATE). */
    private static Map<Integer, Assigned> serve(List<ScriptedWorker> workers, String type, int round) throws Exception {
        int want = type.equals("EVALUATE") ? 1 : CLIENTS;
        Map<Integer, Assigned> got = new TreeMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (got.size() < want) {
            assertThat(System.nanoTime()).as("%d %s tasks of round %d", want, type, round).isLessThan(deadline);
            for (ScriptedWorker w : workers) {
                Optional<JsonNode> t = w.poll(platform.coordinatorUrl(), 0);
                if (t.isPresent()) {
                    JsonNode task = t.get();
                    assertThat(task.get("type").asString()).isEqualTo(type);
                    assertThat(task.get("round").asInt()).isEqualTo(round);
                    got.put(task.get("clientIndex").asInt(), new Assigned(w, UUID.fromString(task.get("taskId").asString()),
                            task.get("clientIndex").asInt()));
                }
            }
            Thread.sleep(100);
        }
        return got;
    }

    /** A secure aggregation delivery's bytes (docs/wire-format.md). */
    @SuppressWarnings("unchecked")
    private static byte[] wire(Object message) {
        if (message instanceof Messages.Advertisement a) {
            return Messages.encode(a);
        }
        if (message instanceof Messages.Unmasking u) {
            return Messages.encode(u);
        }
        return Messages.encodeShares((List<Messages.SealedShare>) message);
    }
}
