package io.cgfed.launcher;

import static io.cgfed.launcher.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A real training worker is killed with SIGKILL while it trains its client's update; the other two
 * clients are a quorum (minClients 2 of 3). The round must close at its deadline with them, and the
 * experiment complete. The killed worker is then started again and registers anew.
 */
class WorkerCrashIT {
    private static final int DEADLINE_SECONDS = 15;
    private static Platform platform;
    private static final ByteArrayOutputStream console = new ByteArrayOutputStream();

    @BeforeAll
    static void startPlatform() throws Exception {
        Path home = Path.of(System.getProperty("cgfed.home", "..")).toAbsolutePath().normalize();
        platform = new Platform(new Platform.Settings(home, Files.createTempDirectory("cgfed-worker-crash-it-"), 3, 0,
                false, 1));
        platform.start(new PrintStream(console, true, StandardCharsets.UTF_8));
        ScriptedWorker.useSecrets(platform.adminApiKey(), platform.joinToken());
    }

    @AfterAll
    static void stopPlatform() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void roundClosesAtItsDeadlineWithTheQuorumWhenAWorkerDiesMidTask() throws Exception {
        String jdbc = platform.jdbcUrl();
        // workers register once they are up; all three must be there before the experiment binds its clients
        await("three workers registered", Duration.ofSeconds(60),
                () -> ScriptedWorker.count(jdbc, "SELECT count(*) FROM coordinator.workers") == 3);
        Map<String, Object> spec = new LinkedHashMap<>(DemoRun.demoSpec("fp16", 3, 2));
        spec.put("name", "worker-crash");
        spec.put("minClients", 2);
        spec.put("roundDeadlineSeconds", DEADLINE_SECONDS);
        spec.put("training", Map.of("localSteps", 30, "batchSize", 16, "learningRate", 0.01));
        String id = ScriptedWorker.submit(platform.coordinatorUrl(), spec);
        UUID experiment = UUID.fromString(id);

        await("clients bound to workers", Duration.ofSeconds(60), () -> ScriptedWorker.count(jdbc,
                "SELECT count(*) FROM coordinator.experiment_clients WHERE experiment_id = ?", experiment) == 3);
        List<Object> victim = ScriptedWorker.query(jdbc, "SELECT w.id, w.name FROM coordinator.experiment_clients c "
                + "JOIN coordinator.workers w ON w.id = c.worker_id WHERE c.experiment_id = ? AND c.client_index = 2",
                experiment).get(0);
        UUID victimId = (UUID) victim.get(0);
        String victimName = (String) victim.get(1);
        assertThat(ScriptedWorker.count(jdbc, "SELECT count(*) FROM coordinator.experiment_clients WHERE experiment_id = ? "
                + "AND worker_id = ?", experiment, victimId)).as("the victim serves client 2 alone").isEqualTo(1);

        // kill it as soon as it holds its round 1 task: it is downloading the adapter or training
        String taskOfClient2 = "SELECT status FROM coordinator.tasks WHERE experiment_id = ? AND round = ? "
                + "AND client_index = 2 AND type = 'TRAIN'";
        await("client 2's round 1 task handed out", Duration.ofSeconds(120), () -> !ScriptedWorker.query(jdbc,
                taskOfClient2, experiment, 1).isEmpty() && ScriptedWorker.query(jdbc, taskOfClient2, experiment, 1)
                .get(0).get(0).equals("ASSIGNED"), 10);
        platform.worker(victimName).kill();
        assertThat(ScriptedWorker.count(jdbc, "SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ? "
                + "AND round = 1 AND client_index = 2", experiment)).as("killed before it uploaded").isZero();

        ServiceProcess restarted = platform.restartWorker(victimName, Duration.ofMinutes(3));
        await("the restarted worker registered", Duration.ofSeconds(60), () -> ScriptedWorker.count(jdbc,
                "SELECT count(*) FROM coordinator.workers WHERE name = ?", victimName) == 2);

        JsonNode e = ScriptedWorker.experiment(platform.coordinatorUrl(), id);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (List.of("PENDING", "RUNNING").contains(e.get("status").asString()) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            e = ScriptedWorker.experiment(platform.coordinatorUrl(), id);
        }
        assertThat(e.get("status").asString()).as("failure: %s", e.get("failureReason")).isEqualTo("COMPLETED");
        JsonNode round1 = e.get("roundSummaries").get(1);
        assertThat(round1.get("status").asString()).isEqualTo("CLOSED");
        assertThat(round1.get("uploads").asInt()).isEqualTo(2);
        List<Object> times = ScriptedWorker.query(jdbc, "SELECT deadline_at, aggregated_at FROM coordinator.rounds "
                + "WHERE experiment_id = ? AND round = 1", experiment).get(0);
        assertThat(((Timestamp) times.get(1)).toInstant()).as("round 1 closed at its deadline, not before")
                .isAfterOrEqualTo(((Timestamp) times.get(0)).toInstant());
        assertThat(e.get("roundSummaries").get(2).get("uploads").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(ScriptedWorker.query(jdbc, "SELECT status FROM coordinator.tasks WHERE experiment_id = ?", experiment))
                .as("nothing is left to hand out or wait for once the experiment completed")
                .allMatch(r -> List.of("DONE", "FAILED", "CANCELLED").contains((String) r.get(0)));
        List<Integer> versions = new java.util.ArrayList<>();
        e.get("adapterVersions").forEach(v -> versions.add(v.get("version").asInt()));
        assertThat(versions).containsExactly(0, 1, 2);

        // the restarted worker is a new worker to the coordinator; what it was given is reported, not assumed:
        // clients stay bound to the worker id they were dealt at the start of the experiment
        JsonNode status = ScriptedWorker.JSON.readTree(ScriptedWorker.send(HttpRequest.newBuilder(
                URI.create(restarted.url() + "/api/v1/status")).GET().build()).body());
        assertThat(status.get("workerId").asString()).isNotEqualTo(victimId.toString());
        System.out.printf("worker killed mid-task: round 1 closed with %d uploads %s after it opened (deadline %d s); "
                        + "round 2 uploads %d; client 2's tasks: round 1 %s, round 2 %s; restarted %s as %s, "
                        + "tasks completed %d%n", round1.get("uploads").asInt(), round1.get("durationMs").isNull() ? "?"
                        : round1.get("durationMs").asLong() / 1000.0 + " s", DEADLINE_SECONDS,
                e.get("roundSummaries").get(2).get("uploads").asInt(),
                ScriptedWorker.query(jdbc, taskOfClient2, experiment, 1).get(0).get(0),
                ScriptedWorker.query(jdbc, taskOfClient2, experiment, 2).get(0).get(0), victimName,
                status.get("workerId").asString(), status.get("tasksCompleted").asLong());
    }
}
