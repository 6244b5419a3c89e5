package io.cgfed.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.tensor.NamedTensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Two coordinator processes on one database and one blob directory, each ticking every experiment
 * and answering workers. Every scripted worker long-polls both at once, so both replicas race for
 * the same task rows, and both race to open, close and aggregate the same rounds.
 */
class CoordinatorReplicasIT {
    private static final int CLIENTS = 16;
    private static final int ROUNDS = 2;
    private static Platform platform;
    private static ServiceProcess replica;
    private static final ByteArrayOutputStream console = new ByteArrayOutputStream();

    @BeforeAll
    static void startPlatform() throws Exception {
        Path home = Path.of(System.getProperty("cgfed.home", "..")).toAbsolutePath().normalize();
        platform = new Platform(new Platform.Settings(home, Files.createTempDirectory("cgfed-replicas-it-"), 0, 0, false, 1));
        platform.start(new PrintStream(console, true, StandardCharsets.UTF_8));
        ScriptedWorker.useSecrets(platform.adminApiKey(), platform.joinToken());
        replica = platform.startCoordinatorReplica(Duration.ofMinutes(3));
    }

    @AfterAll
    static void stopPlatform() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void roundsCloseOnceAndTasksAreHandedOutOnce() throws Exception {
        List<ServiceProcess> coordinators = List.of(platform.coordinator(), replica);
        List<ScriptedWorker> workers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            workers.add(ScriptedWorker.register(coordinators.get(i % 2).url(), "scripted-" + i));
        }
        // task id -> which replica handed it to which worker (more than one entry: handed out twice)
        Map<UUID, List<String>> handedOut = new ConcurrentHashMap<>();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> pollers = new ArrayList<>();
        for (ScriptedWorker w : workers) {
            for (int r = 0; r < 2; r++) {
                ServiceProcess polled = coordinators.get(r);
                ServiceProcess other = coordinators.get(1 - r);
                Thread t = new Thread(() -> serve(w, polled, other, running, handedOut, problems),
                        w.name + "-polls-" + polled.name());
                t.start();
                pollers.add(t);
            }
        }

        String id;
        JsonNode e;
        try {
            id = ScriptedWorker.submit(replica.url(), ScriptedWorker.spec("replicas", CLIENTS, CLIENTS, ROUNDS, 300));
            e = ScriptedWorker.experiment(platform.coordinatorUrl(), id);
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (Set.of("PENDING", "RUNNING").contains(e.get("status").asString()) && System.nanoTime() < deadline) {
                Thread.sleep(300);
                e = ScriptedWorker.experiment(platform.coordinatorUrl(), id);
            }
        } finally {
            running.set(false);
            for (Thread t : pollers) {
                t.join(10_000);
            }
        }
        // every task was handed out exactly once, and every task the database holds was handed out
        assertThat(handedOut.entrySet().stream().filter(t -> t.getValue().size() != 1)).as("tasks handed out twice")
                .isEmpty();
        assertThat(problems).isEmpty();
        assertThat(e.get("status").asString()).as("failure: %s", e.get("failureReason")).isEqualTo("COMPLETED");
        String jdbc = platform.jdbcUrl();
        List<List<Object>> rows = ScriptedWorker.query(jdbc, "SELECT id, round, type, client_index, status "
                + "FROM coordinator.tasks WHERE experiment_id = ?", UUID.fromString(id));
        assertThat(rows).hasSize(1 + ROUNDS * (CLIENTS + 1));
        assertThat(rows.stream().map(r -> (UUID) r.get(0)).collect(Collectors.toSet())).isEqualTo(handedOut.keySet());
        assertThat(rows).allMatch(r -> r.get(4).equals("DONE"));
        for (int round = 0; round <= ROUNDS; round++) {
            int n = round;
            assertThat(rows.stream().filter(r -> (int) r.get(1) == n && r.get(2).equals("EVALUATE")))
                    .as("evaluations of round %d", round).hasSize(1);
            if (round > 0) {
                assertThat(rows.stream().filter(r -> (int) r.get(1) == n && r.get(2).equals("TRAIN"))
                        .map(r -> (int) r.get(3)).collect(Collectors.toSet())).hasSize(CLIENTS);
            }
        }
        Map<String, Long> byReplica = handedOut.values().stream().map(l -> l.get(0).split(" ")[0])
                .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting()));
        System.out.println("tasks handed out by each replica: " + byReplica);
        assertThat(byReplica).as("both replicas handed out tasks").hasSize(2);

        // each round was opened once and aggregated once (the adapter_versions primary key would refuse a
        // second version row, so the coordinators' own logs are read too: a replica that lost a race logs nothing)
        assertThat(ScriptedWorker.query(jdbc, "SELECT version FROM coordinator.adapter_versions WHERE experiment_id = ? "
                + "ORDER BY version", UUID.fromString(id)).stream().map(r -> (int) r.get(0)).toList())
                .containsExactly(0, 1, 2);
        String logs = Files.readString(platform.coordinator().log()) + Files.readString(replica.log());
        assertThat(occurrences(logs, "experiment " + id + " started with")).isEqualTo(1);
        for (int round = 1; round <= ROUNDS; round++) {
            assertThat(occurrences(logs, "experiment " + id + " round " + round + " open")).as("round %d opened", round)
                    .isEqualTo(1);
            assertThat(occurrences(logs, "experiment " + id + " round " + round + ": " + CLIENTS + " of " + CLIENTS
                    + " uploads, aggregating")).as("round %d closed for uploads", round).isEqualTo(1);
            assertThat(occurrences(logs, "experiment " + id + " round " + round + ": aggregated"))
                    .as("round %d aggregated", round).isEqualTo(1);
        }
        assertThat(occurrences(logs, "experiment " + id + " completed after")).isEqualTo(1);
        System.out.println("state changes each replica committed: " + platform.coordinator().name() + " "
                + transitions(platform.coordinator(), id) + ", " + replica.name() + " " + transitions(replica, id));
        // the replica that comes second to a step waits on the experiment or round row and finds the step
        // taken: no step is refused by a constraint (a lost race) and retried
        assertThat(occurrences(logs, "could not advance")).isZero();

        // the final adapter, read through either replica, is the FedAvg of exactly the uploads
        List<Integer> all = IntStream.range(0, CLIENTS).boxed().toList();
        NamedTensors expected = ScriptedWorker.adapter(platform.coordinatorUrl(), id, 0);
        for (int round = 1; round <= ROUNDS; round++) {
            expected = ScriptedWorker.expectedNext(expected, id, round, all);
        }
        assertThat(ScriptedWorker.sameTensors(ScriptedWorker.adapter(replica.url(), id, ROUNDS), expected)).isTrue();
        assertThat(ScriptedWorker.sameTensors(ScriptedWorker.adapter(platform.coordinatorUrl(), id, ROUNDS), expected))
                .isTrue();
    }

    /** One poller: long-polls one replica, delivers the result to the other. */
    private static void serve(ScriptedWorker w, ServiceProcess polled, ServiceProcess other, AtomicBoolean running,
                              Map<UUID, List<String>> handedOut, List<String> problems) {
        while (running.get()) {
            try {
                Optional<JsonNode> t = w.poll(polled.url(), 1);
                if (t.isEmpty()) {
                    continue;
                }
                JsonNode task = t.get();
                UUID taskId = UUID.fromString(task.get("taskId").asString());
                handedOut.computeIfAbsent(taskId, k -> Collections.synchronizedList(new ArrayList<>()))
                        .add(polled.name() + " to " + w.name);
                if (task.get("type").asString().equals("TRAIN")) {
                    byte[] payload = ScriptedWorker.payload(task.get("experimentId").asString(), task.get("round").asInt(),
                            task.get("clientIndex").asInt());
                    HttpResponse<String> r = w.upload(other.url(), taskId, payload, false);
                    if (r.statusCode() != 202) {
                        problems.add("upload of " + taskId + " answered " + r.statusCode() + ": " + r.body());
                    }
                } else {
                    w.evaluate(other.url(), taskId);
                }
            } catch (Exception ex) {
                if (running.get()) {
                    problems.add(w.name + " via " + polled.name() + ": " + ex);
                }
            }
        }
    }

    private static long occurrences(String text, String needle) {
        long n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static Set<String> transitions(ServiceProcess coordinator, String id) throws java.io.IOException {
        Set<String> done = new HashSet<>();
        for (String line : Files.readAllLines(coordinator.log())) {
            if (line.contains("experiment " + id)) {
                if (line.contains("started with")) {
                    done.add("start");
                } else if (line.contains(": aggregated")) {
                    done.add("aggregate r" + line.replaceAll(".*round (\\d+):.*", "$1"));
                } else if (line.contains(" open: ")) {
                    done.add("open r" + line.replaceAll(".*round (\\d+) open.*", "$1"));
                } else if (line.contains("completed after")) {
                    done.add("complete");
                }
            }
        }
        return new java.util.TreeSet<>(done);
    }
}
