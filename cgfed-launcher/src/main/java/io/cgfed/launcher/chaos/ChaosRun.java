package io.cgfed.launcher.chaos;

import io.cgfed.launcher.CliArgs;
import io.cgfed.launcher.CoordinatorApi;
import io.cgfed.launcher.DemoRun;
import io.cgfed.launcher.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./cgfed chaos}: faults against the real platform (embedded PostgreSQL, every service a process,
 * real training workers), and a table of what survived. Per fault, {@code --trials} experiments (3 rounds,
 * 2 clients by default): SIGKILL of the coordinator, or of the codec-service, at a random point of the
 * experiment (uniform over the middle 80 % of an unfaulted run's duration, measured first), the service
 * started again after 2 s; then every hostile spec of the probe is submitted ({@link HostileSpecs}), and an
 * enrolled rogue worker uploads every hostile payload of the probe for a task of its own
 * ({@link HostilePayloads}); where the experiment stood at each kill is its {@link KillPhase}. Counted per fault:
 * experiments that completed, uploads lost (a round aggregated fewer updates than it selected, or an
 * experiment that did not complete: its missing updates) and uploads doubled (rows beyond one per round
 * and client, or a round that aggregated more updates than it selected).
 */
public final class ChaosRun {
    private ChaosRun() {
    }

    /** One line of the table. */
    record Row(String fault, int count, int completed, long lost, long doubled, String notes) {
    }

    static final List<CliArgs.Option> OPTIONS = List.of(
            CliArgs.value("--trials", "N", "experiments per fault (10)"),
            CliArgs.value("--clients", "N", "clients per experiment (2)"),
            CliArgs.value("--rounds", "N", "rounds per experiment (3)"),
            CliArgs.value("--seed", "S", "of the kill points (1)"));

    public static int run(String[] args, Path home) throws Exception {
        int trials = 10;
        int clients = 2;
        int rounds = 3;
        long seed = 1;
        try {
            CliArgs.Parsed parsed = CliArgs.parse(args, OPTIONS);
            if (parsed.help()) {
                System.out.print(CliArgs.usage("chaos [options]", OPTIONS));
                return 0;
            }
            for (var given : parsed.given()) {
                String v = given.getValue();
                switch (given.getKey()) {
                    case "--trials" -> trials = CliArgs.positive("--trials", v);
                    case "--clients" -> clients = CliArgs.positive("--clients", v);
                    case "--rounds" -> rounds = CliArgs.positive("--rounds", v);
                    case "--seed" -> seed = Long.parseLong(v);
                    default -> throw new IllegalStateException(given.getKey());
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("cgfed chaos: " + e.getMessage());
            System.err.print(CliArgs.usage("chaos [options]", OPTIONS));
            return 2;
        }
        Path work = Files.createTempDirectory("cgfed-chaos-");
        List<Row> rows = new ArrayList<>();
        try (Platform platform = new Platform(new Platform.Settings(home, work, clients, 0, false, 1))) {
            platform.start(System.out);
            CoordinatorApi api = new CoordinatorApi(platform.coordinatorUrl(), platform.adminApiKey());
            awaitWorkers(platform, clients);
            SplittableRandom random = new SplittableRandom(seed);

            // two unfaulted runs: the first loads models and warms the services, the second's time D is what a
            // trial takes, so kill points drawn in [0.1 D, 0.9 D] land inside the experiment
            Outcome baseline = experiment(platform, api, clients, rounds, "chaos-warm-up");
            long t0 = System.nanoTime();
            Outcome warm = experiment(platform, api, clients, rounds, "chaos-baseline");
            double baselineSeconds = (System.nanoTime() - t0) / 1e9;
            rows.add(new Row("none (warm-up, then the baseline: D = " + String.format(Locale.ROOT, "%.1f s", baselineSeconds)
                    + ")", 2, (baseline.completed() ? 1 : 0) + (warm.completed() ? 1 : 0), baseline.lost() + warm.lost(),
                    baseline.doubled() + warm.doubled(), warm.note() != null ? warm.note() : baseline.note()));

            for (String target : List.of("coordinator", "codec-service")) {
                int completed = 0;
                long lost = 0;
                long doubled = 0;
                List<String> notes = new ArrayList<>();
                Map<String, Integer> phases = new java.util.TreeMap<>();
                int redone = 0;
                for (int trial = 1; trial <= trials; trial++) {
                    double at = baselineSeconds * (0.1 + 0.8 * random.nextDouble());
                    Outcome o = experimentWithKill(platform, api, clients, rounds, target, at, trial);
                    // a kill after the experiment had ended tests nothing: that trial is run again, the kill earlier
                    for (int again = 0; again < 3 && o.completed() && o.phase().equals(KillPhase.AFTER_THE_END); again++) {
                        System.out.printf(Locale.ROOT, "kill -9 %s at %.1f s (trial %d) came after the end: again at %.1f s%n",
                                target, at, trial, at / 2);
                        at /= 2;
                        redone++;
                        o = experimentWithKill(platform, api, clients, rounds, target, at, trial);
                    }
                    completed += o.completed() ? 1 : 0;
                    lost += o.lost();
                    doubled += o.doubled();
                    phases.merge(o.phase().replaceAll(", round \\d+$", ""), 1, Integer::sum);
                    if (o.note() != null) {
                        notes.add("trial " + trial + ": " + o.note());
                    }
                    System.out.printf(Locale.ROOT, "kill -9 %s at %.1f s (trial %d, %s): %s, lost %d, doubled %d%s%n",
                            target, at, trial, o.phase(), o.completed() ? "COMPLETED" : "NOT COMPLETED", o.lost(), o.doubled(),
                            o.note() == null ? "" : " (" + o.note() + ")");
                }
                notes.add(0, "killed in: " + phases.entrySet().stream().map(p -> p.getKey() + " " + p.getValue())
                        .collect(java.util.stream.Collectors.joining(", "))
                        + (redone == 0 ? "" : " (" + redone + " kills after the end run again earlier)"));
                rows.add(new Row("kill -9 " + target + " at a random point", trials, completed, lost, doubled,
                        String.join("; ", notes)));
            }
            rows.add(HostileSpecs.run(platform));
            rows.add(HostilePayloads.run(platform, api, spec("chaos-hostile-payloads", clients, 1), clients));
        }
        System.out.println();
        System.out.println("| fault | count | experiments completed | uploads lost | uploads doubled | notes |");
        System.out.println("|---|---:|---:|---:|---:|---|");
        for (Row r : rows) {
            System.out.printf("| %s | %d | %d | %d | %d | %s |%n", r.fault(), r.count(), r.completed(), r.lost(),
                    r.doubled(), r.notes() == null ? "" : r.notes());
        }
        boolean clean = rows.stream().allMatch(r -> r.completed() == r.count() && r.lost() == 0 && r.doubled() == 0);
        System.out.println(clean ? "\nchaos: clean" : "\nchaos: NOT clean");
        return clean ? 0 : 1;
    }

    /** What one experiment came to. */
    record Outcome(boolean completed, long lost, long doubled, String note, String phase) {
        Outcome(boolean completed, long lost, long doubled, String note) {
            this(completed, lost, doubled, note, null);
        }

        Outcome at(String killPhase) {
            return new Outcome(completed, lost, doubled, note, killPhase);
        }
    }

    static Map<String, Object> spec(String name, int clients, int rounds) {
        Map<String, Object> spec = new LinkedHashMap<>(DemoRun.demoSpec("fp16", clients, rounds));
        spec.put("name", name);
        spec.put("roundDeadlineSeconds", 300);
        spec.put("training", Map.of("localSteps", 20, "batchSize", 8, "learningRate", 0.01));
        return spec;
    }

    private static Outcome experiment(Platform platform, CoordinatorApi api, int clients, int rounds, String name)
            throws Exception {
        String id = api.submit(spec(name, clients, rounds)).get("id").asString();
        return await(platform, api, id, clients, rounds);
    }

    private static Outcome experimentWithKill(Platform platform, CoordinatorApi api, int clients, int rounds,
                                              String target, double atSeconds, int trial) throws Exception {
        String id = api.submit(spec("chaos-" + target + "-" + trial, clients, rounds)).get("id").asString();
        Thread.sleep((long) (atSeconds * 1000));
        String phase;
        try {
            phase = KillPhase.now(platform, id);
        } catch (SQLException unreadable) {
            phase = "unknown (" + unreadable.getMessage() + ")"; // the kill goes ahead: the phase is only reported
        }
        if (target.equals("coordinator")) {
            platform.coordinator().kill();
            Thread.sleep(2000);
            platform.restartCoordinator(Duration.ofMinutes(3));
        } else {
            platform.codec().kill();
            Thread.sleep(2000);
            platform.restartCodec(Duration.ofMinutes(3));
        }
        return await(platform, api, id, clients, rounds).at(phase);
    }

    private static Outcome await(Platform platform, CoordinatorApi api, String id, int clients, int rounds) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        String status = "PENDING";
        JsonNode e = null;
        while (List.of("PENDING", "RUNNING").contains(status) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            try {
                e = api.experiment(id);
                status = e.get("status").asString();
            } catch (IOException unreachable) {
                // restarting: ask again
            }
        }
        boolean completed = status.equals("COMPLETED");
        long lost = 0;
        long doubled = 0;
        try (Connection c = DriverManager.getConnection(platform.jdbcUrl(), "postgres", "")) {
            UUID experiment = UUID.fromString(id);
            doubled += count(c, "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM coordinator.uploads "
                    + "WHERE experiment_id = ? GROUP BY round, client_index) g", experiment);
            doubled += count(c, "SELECT coalesce(sum(uploads - selected), 0) FROM coordinator.rounds "
                    + "WHERE experiment_id = ? AND round > 0 AND uploads > selected", experiment);
            lost += count(c, "SELECT coalesce(sum(selected - uploads), 0) FROM coordinator.rounds "
                    + "WHERE experiment_id = ? AND round > 0 AND status = 'CLOSED' AND uploads < selected", experiment);
            if (!completed) {
                long closed = count(c, "SELECT count(*) FROM coordinator.rounds WHERE experiment_id = ? AND round > 0 "
                        + "AND status = 'CLOSED'", experiment);
                lost += (rounds - closed) * clients;
            }
        }
        String note = completed ? null : status + (e != null && e.hasNonNull("failureReason")
                ? ": " + e.get("failureReason").asString() : "");
        return new Outcome(completed, lost, doubled, note);
    }

    private static long count(Connection c, String sql, UUID experiment) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, experiment);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private static void awaitWorkers(Platform platform, int workers) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = DriverManager.getConnection(platform.jdbcUrl(), "postgres", "");
                 ResultSet r = c.createStatement().executeQuery("SELECT count(*) FROM coordinator.workers")) {
                r.next();
                if (r.getLong(1) >= workers) {
                    return;
                }
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the workers did not register within 2 minutes");
    }
}
