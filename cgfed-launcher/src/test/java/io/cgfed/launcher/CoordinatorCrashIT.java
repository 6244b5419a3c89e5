package io.cgfed.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.tensor.NamedTensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The coordinator is killed with SIGKILL while a round's uploads are in flight and started again on
 * the same port, database and blob directory. Real coordinator, codec-service, registry and
 * PostgreSQL processes; the workers are {@link ScriptedWorker}s, so every byte sent is known.
 */
class CoordinatorCrashIT {
    private static final int CLIENTS = 12;
    private static final int ROUNDS = 2;
    private static Platform platform;
    private static final ByteArrayOutputStream console = new ByteArrayOutputStream();

    @BeforeAll
    static void startPlatform() throws Exception {
        Path home = Path.of(System.getProperty("cgfed.home", "..")).toAbsolutePath().normalize();
        platform = new Platform(new Platform.Settings(home, Files.createTempDirectory("cgfed-crash-it-"), 0, 0, false, 1));
        platform.start(new PrintStream(console, true, StandardCharsets.UTF_8));
        ScriptedWorker.useSecrets(platform.adminApiKey(), platform.joinToken());
    }

    @AfterAll
    static void stopPlatform() {
        if (platform != null) {
            platform.close();
        }
    }

    /** What one upload attempt got: an HTTP status and body, or the exception that ended it. */
    private record Outcome(int status, String body) {
        boolean acknowledged() {
            return status >= 200 && status < 300;
        }
    }

    @Test
    void resumesFromTheDatabaseAndCountsEveryAcknowledgedUploadExactlyOnce() throws Exception {
        String url = platform.coordinatorUrl();
        List<ScriptedWorker> workers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            workers.add(ScriptedWorker.register(url, "scripted-" + i));
        }
        String id = ScriptedWorker.submit(url, ScriptedWorker.spec("crash", CLIENTS, CLIENTS, ROUNDS, 300));
        serveEvaluation(workers, id, 0);

        // round 1: every client's task is in hand, then the uploads go out concurrently; three of them
        // trickle their bodies over ~10 s, and the coordinator is killed as soon as four others are acknowledged
        // (every upload has its own thread: on a loaded machine four fast ones still finish well inside that)
        Map<Integer, Assigned> tasks = collectTrainTasks(workers, id, 1);
        List<Integer> trickled = List.of(1, 6, 11);
        Map<Integer, Outcome> before = new ConcurrentHashMap<>();
        AtomicInteger fastAcknowledged = new AtomicInteger();
        AtomicBoolean killed = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> sent = new ArrayList<>();
        for (int client : trickled) {
            sent.add(pool.submit(() -> before.put(client, upload(tasks.get(client), id, 1, client, true))));
        }
        Thread.sleep(200); // the trickled bodies are on their way
        for (int client = 0; client < CLIENTS; client++) {
            if (trickled.contains(client)) {
                continue;
            }
            int c = client;
            sent.add(pool.submit(() -> {
                Outcome o = upload(tasks.get(c), id, 1, c, false);
                before.put(c, o);
                if (o.acknowledged() && fastAcknowledged.incrementAndGet() == 4 && killed.compareAndSet(false, true)) {
                    platform.coordinator().kill();
                }
            }));
        }
        for (Future<?> f : sent) {
            f.get();
        }
        pool.shutdown();
        assertThat(killed).as("the coordinator was killed mid-round: %s", before).isTrue();
        assertThat(platform.coordinator().alive()).isFalse();
        List<Integer> acknowledged = clients(before, true);
        List<Integer> unacknowledged = clients(before, false);
        System.out.println("before the kill: acknowledged " + acknowledged + ", not " + unacknowledged + ": " + before);
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(4);
        assertThat(unacknowledged).as("uploads in flight or refused at the kill").containsAll(trickled);

        long restartStart = System.nanoTime();
        platform.restartCoordinator(Duration.ofMinutes(3));
        System.out.printf("coordinator restarted on the same port in %.1f s%n", (System.nanoTime() - restartStart) / 1e9);

        // the restarted coordinator finds the round as the database left it: open, holding every acknowledged
        // upload (and any whose commit beat the kill but whose answer did not)
        String jdbc = platform.jdbcUrl();
        UUID experiment = UUID.fromString(id);
        assertThat(ScriptedWorker.query(jdbc, "SELECT status FROM coordinator.rounds WHERE experiment_id = ? AND round = 1",
                experiment).get(0).get(0)).isEqualTo("OPEN");
        List<Integer> counted = ScriptedWorker.query(jdbc, "SELECT client_index FROM coordinator.uploads "
                + "WHERE experiment_id = ? AND round = 1 ORDER BY client_index", experiment).stream()
                .map(r -> (Integer) r.get(0)).toList();
        System.out.println("counted after the restart: " + counted);
        assertThat(counted).containsAll(acknowledged);

        // the workers send again what got no 2xx: accepted now, or DUPLICATE if it was counted before the kill
        Map<Integer, Integer> resent = new TreeMap<>();
        for (int client : unacknowledged) {
            Outcome o = upload(tasks.get(client), id, 1, client, false);
            assertThat(o.status()).as("resent client %d: %s", client, o.body()).isEqualTo(counted.contains(client) ? 200 : 202);
            resent.put(client, o.status());
        }
        System.out.println("resent after the restart: " + resent);
        // two that were acknowledged are repeated (their answer could have been lost): DUPLICATE, not counted again
        for (int client : acknowledged.subList(0, 2)) {
            Outcome o = upload(tasks.get(client), id, 1, client, false);
            assertThat(o.status()).as("repeated client %d", client).isEqualTo(200);
            assertThat(o.body()).contains("\"DUPLICATE\"");
        }
        // a different update for a client that already counts is refused and changes nothing
        Assigned first = tasks.get(acknowledged.get(0));
        HttpResponse<String> other = first.worker().upload(url, first.taskId(), ScriptedWorker.payload(id, 1,
                acknowledged.get(0), ScriptedWorker.update(2, acknowledged.get(0))), false);
        assertThat(other.statusCode()).as(other.body()).isEqualTo(409);

        serveEvaluation(workers, id, 1);
        Map<Integer, Assigned> round2 = collectTrainTasks(workers, id, 2);
        for (int client = 0; client < CLIENTS; client++) {
            assertThat(upload(round2.get(client), id, 2, client, false).status()).isEqualTo(202);
        }
        serveEvaluation(workers, id, 2);
        JsonNode e = ScriptedWorker.awaitFinished(url, id);
        assertThat(e.get("status").asString()).as("failure: %s", e.get("failureReason")).isEqualTo("COMPLETED");

        // every acknowledged upload counts exactly once: one row per client and round, holding the bytes acknowledged
        for (int round = 1; round <= ROUNDS; round++) {
            assertThat(e.get("roundSummaries").get(round).get("uploads").asInt()).isEqualTo(CLIENTS);
            assertThat(ScriptedWorker.count(jdbc, "SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ? "
                    + "AND round = ?", experiment, round)).isEqualTo(CLIENTS);
        }
        for (int client : acknowledged) {
            Object sha = ScriptedWorker.query(jdbc, "SELECT sha256 FROM coordinator.uploads WHERE experiment_id = ? "
                    + "AND round = 1 AND client_index = ?", experiment, client).get(0).get(0);
            assertThat(sha).isEqualTo(ScriptedWorker.sha256(ScriptedWorker.payload(id, 1, client)));
        }
        List<Integer> versions = new ArrayList<>();
        e.get("adapterVersions").forEach(v -> versions.add(v.get("version").asInt()));
        assertThat(versions).containsExactly(0, 1, 2);

        // the adapters are what FedAvg of exactly these uploads gives, from the coordinator's version 0
        List<Integer> all = IntStream.range(0, CLIENTS).boxed().toList();
        NamedTensors expected = ScriptedWorker.adapter(url, id, 0);
        for (int round = 1; round <= ROUNDS; round++) {
            expected = ScriptedWorker.expectedNext(expected, id, round, all);
            assertThat(ScriptedWorker.sameTensors(ScriptedWorker.adapter(url, id, round), expected))
                    .as("adapter version %d equals the FedAvg of the uploads", round).isTrue();
        }

        // and what an uninterrupted run of the same updates produces, on the same platform
        String control = runUninterrupted(workers, url);
        assertThat(ScriptedWorker.sameTensors(ScriptedWorker.adapter(url, control, ROUNDS),
                ScriptedWorker.adapter(url, id, ROUNDS))).as("final adapter of the interrupted and the uninterrupted run").isTrue();

        // a server optimiser's state survives a kill between rounds (issue 18): FedAdam's moments after round 1
        // are read back from the adapter version they were stored with, so the interrupted run ends bit for bit
        // where an uninterrupted one does
        String adam = fedAdam("crash-fedadam", workers, url, true);
        String adamControl = fedAdam("control-fedadam", workers, url, false);
        assertThat(ScriptedWorker.sameTensors(ScriptedWorker.adapter(url, adam, ROUNDS),
                ScriptedWorker.adapter(url, adamControl, ROUNDS))).as("FedAdam killed between rounds 1 and 2").isTrue();
        assertThat(ScriptedWorker.sameTensors(ScriptedWorker.adapter(url, adam, ROUNDS),
                ScriptedWorker.adapter(url, control, ROUNDS))).as("FedAdam's adapter is not FedAvg's").isFalse();
    }

    /** A FedAdam run of the same updates; with {@code kill}, the coordinator is killed once round 1 is closed. */
    private String fedAdam(String name, List<ScriptedWorker> workers, String url, boolean kill) throws Exception {
        Map<String, Object> spec = ScriptedWorker.spec(name, CLIENTS, CLIENTS, ROUNDS, 300);
        spec.put("aggregation", Map.of("name", "fedadam", "settings", Map.of("serverLearningRate", 0.1)));
        String id = ScriptedWorker.submit(url, spec);
        serveEvaluation(workers, id, 0);
        for (int round = 1; round <= ROUNDS; round++) {
            Map<Integer, Assigned> tasks = collectTrainTasks(workers, id, round);
            for (int client = 0; client < CLIENTS; client++) {
                assertThat(upload(tasks.get(client), id, round, client, false).status()).isEqualTo(202);
            }
            serveEvaluation(workers, id, round);
            if (kill && round == 1) {
                awaitRoundOpen(url, id, 2);
                platform.coordinator().kill();
                platform.restartCoordinator(Duration.ofMinutes(3));
            }
        }
        JsonNode e = ScriptedWorker.awaitFinished(url, id);
        assertThat(e.get("status").asString()).as("failure: %s", e.get("failureReason")).isEqualTo("COMPLETED");
        return id;
    }

    private static void awaitRoundOpen(String url, String id, int round) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ScriptedWorker.experiment(url, id).get("currentRound").asInt() < round) {
            assertThat(System.nanoTime()).as("round %d opened", round).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private String runUninterrupted(List<ScriptedWorker> workers, String url) throws Exception {
        String id = ScriptedWorker.submit(url, ScriptedWorker.spec("control", CLIENTS, CLIENTS, ROUNDS, 300));
        serveEvaluation(workers, id, 0);
        for (int round = 1; round <= ROUNDS; round++) {
            Map<Integer, Assigned> tasks = collectTrainTasks(workers, id, round);
            for (int client = 0; client < CLIENTS; client++) {
                assertThat(upload(tasks.get(client), id, round, client, false).status()).isEqualTo(202);
            }
            serveEvaluation(workers, id, round);
        }
        JsonNode e = ScriptedWorker.awaitFinished(url, id);
        assertThat(e.get("status").asString()).isEqualTo("COMPLETED");
        return id;
    }

    private record Assigned(ScriptedWorker worker, UUID taskId) {
    }

    private static Outcome upload(Assigned task, String experimentId, int round, int client, boolean trickle) {
        try {
            HttpResponse<String> r = task.worker().upload(platform.coordinatorUrl(), task.taskId(),
                    ScriptedWorker.payload(experimentId, round, client), trickle);
            return new Outcome(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Outcome(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(-1, e.toString());
        }
    }

    private static List<Integer> clients(Map<Integer, Outcome> outcomes, boolean acknowledged) {
        return new TreeMap<>(outcomes).entrySet().stream().filter(o -> o.getValue().acknowledged() == acknowledged)
                .map(Map.Entry::getKey).toList();
    }

    /** Polls every worker until all of the round's TRAIN tasks are in hand. */
    private static Map<Integer, Assigned> collectTrainTasks(List<ScriptedWorker> workers, String experimentId, int round)
            throws Exception {
        Map<Integer, Assigned> tasks = new TreeMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (tasks.size() < CLIENTS) {
            assertThat(System.nanoTime()).as("round %d tasks handed out in time: %s", round, tasks.keySet()).isLessThan(deadline);
            for (ScriptedWorker w : workers) {
                Optional<JsonNode> t = w.poll(platform.coordinatorUrl(), 0);
                if (t.isPresent()) {
                    JsonNode task = t.get();
                    assertThat(task.get("experimentId").asString()).isEqualTo(experimentId);
                    assertThat(task.get("type").asString()).isEqualTo("TRAIN");
                    assertThat(task.get("round").asInt()).isEqualTo(round);
                    Assigned previous = tasks.put(task.get("clientIndex").asInt(),
                            new Assigned(w, UUID.fromString(task.get("taskId").asString())));
                    assertThat(previous).as("client %d handed out twice", task.get("clientIndex").asInt()).isNull();
                }
            }
            Thread.sleep(100);
        }
        return tasks;
    }

    /** Polls until the round's EVALUATE task comes, and reports it. */
    private static void serveEvaluation(List<ScriptedWorker> workers, String experimentId, int round) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (ScriptedWorker w : workers) {
                Optional<JsonNode> t = w.poll(platform.coordinatorUrl(), 0);
                if (t.isPresent()) {
                    JsonNode task = t.get();
                    assertThat(task.get("type").asString()).isEqualTo("EVALUATE");
                    assertThat(task.get("round").asInt()).isEqualTo(round);
                    assertThat(task.get("experimentId").asString()).isEqualTo(experimentId);
                    w.evaluate(platform.coordinatorUrl(), UUID.fromString(task.get("taskId").asString()));
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no EVALUATE task for round " + round + ": "
                + ScriptedWorker.experiment(platform.coordinatorUrl(), experimentId));
    }
}
