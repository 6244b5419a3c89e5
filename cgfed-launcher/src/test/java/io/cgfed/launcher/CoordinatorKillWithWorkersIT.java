package io.cgfed.launcher;

import static io.cgfed.launcher.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The coordinator is killed with SIGKILL as soon as real training workers have been assigned their round's
 * tasks, and is kept down until a worker's upload or download has hit the dead coordinator (or 30 s, when
 * the answers carrying the tasks were lost with it); then it is started again on the same port and database. The workers retry what they could not deliver, and the experiment completes with
 * every client's update counted once in every round (the hostile probe of issue 15, fault A: before,
 * the workers gave up, their tasks stayed ASSIGNED and the experiment failed at the round deadline).
 */
class CoordinatorKillWithWorkersIT {
    private static final int CLIENTS = 2;
    private static final int ROUNDS = 2;
    private static Platform platform;
    private static final ByteArrayOutputStream console = new ByteArrayOutputStream();

    @BeforeAll
    static void startPlatform() throws Exception {
        Path home = Path.of(System.getProperty("cgfed.home", "..")).toAbsolutePath().normalize();
        platform = new Platform(new Platform.Settings(home, Files.createTempDirectory("cgfed-coordinator-kill-it-"),
                CLIENTS, 0, false, 1));
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
    void workersRetryTheirUploadsAcrossACoordinatorKillAndTheExperimentCompletes() throws Exception {
        String jdbc = platform.jdbcUrl();
        await("two workers registered", Duration.ofSeconds(60),
                () -> ScriptedWorker.count(jdbc, "SELECT count(*) FROM coordinator.workers") == CLIENTS);
        Map<String, Object> spec = new LinkedHashMap<>(DemoRun.demoSpec("fp16", CLIENTS, ROUNDS));
        spec.put("name", "coordinator-kill");
        spec.put("roundDeadlineSeconds", 300);
        spec.put("training", Map.of("localSteps", 20, "batchSize", 8, "learningRate", 0.01));
        String id = ScriptedWorker.submit(platform.coordinatorUrl(), spec);
        UUID experiment = UUID.fromString(id);

        // kill it once both round 1 tasks are in the workers' hands: they are training, then upload
        String assigned = "SELECT count(*) FROM coordinator.tasks WHERE experiment_id = ? AND round = 1 "
                + "AND type = 'TRAIN' AND status = 'ASSIGNED'";
        await("both round 1 tasks handed out", Duration.ofSeconds(120),
                () -> ScriptedWorker.count(jdbc, assigned, experiment) == CLIENTS, 10);
        long countedBefore = ScriptedWorker.count(jdbc,
                "SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ?", experiment);
        platform.coordinator().kill();
        assertThat(platform.coordinator().alive()).isFalse();

        // down until a worker's report or download has found it dead (the worker logs each retry), or 30 s: when
        // the kill came after the assignments committed but before the workers read them, no worker holds a
        // task, and the restarted coordinator must hand the lost tasks back to their idle workers
        long downUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        boolean retried = false;
        while (!retried && System.nanoTime() < downUntil) {
            retried = platform.services().stream().filter(s -> s.name().startsWith("worker"))
                    .anyMatch(w -> logOf(w).contains("not delivered yet, retrying"));
            Thread.sleep(250);
        }
        platform.restartCoordinator(Duration.ofMinutes(3));

        JsonNode e = ScriptedWorker.experiment(platform.coordinatorUrl(), id);
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (List.of("PENDING", "RUNNING").contains(e.get("status").asString()) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            e = ScriptedWorker.experiment(platform.coordinatorUrl(), id);
        }
        assertThat(e.get("status").asString()).as("failure: %s", e.get("failureReason")).isEqualTo("COMPLETED");
        for (int round = 1; round <= ROUNDS; round++) {
            assertThat(ScriptedWorker.count(jdbc, "SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ? "
                    + "AND round = ?", experiment, round)).as("round %d: every client's update, once", round)
                    .isEqualTo(CLIENTS);
            assertThat(e.get("roundSummaries").get(round).get("uploads").asInt()).isEqualTo(CLIENTS);
        }
        // (a task may have been handed to the other worker if the restart outlasted the worker timeout: then the
        // first copy is CANCELLED and still counted once; none FAILED)
        assertThat(ScriptedWorker.count(jdbc, "SELECT count(*) FROM coordinator.tasks WHERE experiment_id = ? "
                + "AND type = 'TRAIN' AND status = 'FAILED'", experiment)).as("no training task failed").isZero();
        System.out.printf("coordinator killed with %d of %d round 1 updates counted (%s); after the restart the "
                        + "experiment completed with %d updates in each of %d rounds%n", countedBefore, CLIENTS,
                retried ? "a worker retried against the dead coordinator" : "no worker held its task: lost in transit",
                CLIENTS, ROUNDS);
    }

    private static String logOf(ServiceProcess service) {
        try {
            return Files.readString(service.log(), StandardCharsets.UTF_8);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return "";
        }
    }
}
