package io.cgfed.launcher;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole platform on one machine: an embedded PostgreSQL, the coordinator, codec-service and
 * registry, and N workers, each service its own process talking real HTTP on localhost. Each process
 * starts with {@link ServiceJvm}'s options and {@link ServiceEnvironment}'s environment.
 */
public final class Platform implements AutoCloseable {
    /** Every ephemeral port this JVM has given a service, so that no two get the same one. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Settings settings;
    private final boolean openReads;
    private final PlatformSecrets secrets = PlatformSecrets.generate();
    private final List<ServiceProcess> services = Collections.synchronizedList(new ArrayList<>());
    private EmbeddedPostgres postgres;
    private ServiceProcess coordinator;
    private ServiceProcess codec;
    private Map<String, String> codecEnv;
    private final java.util.concurrent.atomic.AtomicInteger codecStarts = new java.util.concurrent.atomic.AtomicInteger();
    private ServiceProcess registry;
    private String jdbcUrl;
    private final Map<String, String> coordinatorEnv = new HashMap<>();
    private final Map<String, Integer> workerPorts = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger coordinatorStarts = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger restarts = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * @param home         the project root (where the service jars are built)
     * @param workDir      logs, blobs and (for a kept database) the PostgreSQL data directory
     * @param workers      number of worker processes
     * @param basePort     first port to use, or 0 for free ports
     * @param keepDatabase keep the database in workDir across runs instead of a fresh one
     * @param workerThreads intra-op threads per worker
     * @param coordinatorEnv extra environment of the coordinator (Spring properties), e.g. for a benchmark's metrics
     * @param serviceHeap   -Xmx of the coordinator, codec-service and registry instead of 512m (null: 512m)
     * @param workerEnv     extra environment of every worker (Spring properties), e.g. its base dtype
     * @param envByWorker   extra environment of some workers, by name ({@code worker-0}, ...): a bench's attackers
     */
    public record Settings(Path home, Path workDir, int workers, int basePort, boolean keepDatabase, int workerThreads,
                           Map<String, String> coordinatorEnv, String serviceHeap, Map<String, String> workerEnv,
                           Map<String, Map<String, String>> envByWorker) {
        public Settings {
            coordinatorEnv = Map.copyOf(coordinatorEnv);
            workerEnv = Map.copyOf(workerEnv);
            envByWorker = Map.copyOf(envByWorker);
        }

        public Settings(Path home, Path workDir, int workers, int basePort, boolean keepDatabase, int workerThreads,
                        Map<String, String> coordinatorEnv, String serviceHeap, Map<String, String> workerEnv) {
            this(home, workDir, workers, basePort, keepDatabase, workerThreads, coordinatorEnv, serviceHeap, workerEnv,
                    Map.of());
        }

        public Settings(Path home, Path workDir, int workers, int basePort, boolean keepDatabase, int workerThreads,
                        Map<String, String> coordinatorEnv, String serviceHeap) {
            this(home, workDir, workers, basePort, keepDatabase, workerThreads, coordinatorEnv, serviceHeap, Map.of());
        }

        public Settings(Path home, Path workDir, int workers, int basePort, boolean keepDatabase, int workerThreads) {
            this(home, workDir, workers, basePort, keepDatabase, workerThreads, Map.of(), null);
        }
    }

    public Platform(Settings settings) {
        this(settings, true);
    }

    /** @param openReads whether GET requests need no credentials (false: as in production, every read shows a key) */
    public Platform(Settings settings, boolean openReads) {
        this.settings = settings;
        this.openReads = openReads;
    }

    /** This run's admin API key (fresh per run): what the launcher itself and the user send to the services. */
    /** The join token workers of this run register with (for scripted workers in tests). */
    public String joinToken() {
        return secrets.joinToken();
    }

    public String adminApiKey() {
        return secrets.adminApiKey();
    }

    public void start(java.io.PrintStream out) throws IOException, InterruptedException {
        Files.createDirectories(settings.workDir());
        Path logs = settings.workDir().resolve("logs");
        // our close() stops the database after the services; its own hook would race them
        EmbeddedPostgres.Builder db = EmbeddedPostgres.builder().setPort(port(0)).setRegisterShutdownHook(false);
        if (settings.keepDatabase()) {
            db.setDataDirectory(settings.workDir().resolve("pgdata")).setCleanDataDirectory(false);
        }
        postgres = db.start();
        String dbUrl = postgres.getJdbcUrl("postgres", "postgres");
        jdbcUrl = dbUrl;
        out.println("postgres     " + dbUrl);
        Map<String, String> common = ServiceEnvironment.common(dbUrl, secrets, openReads);

        // the coordinator is the codec-service's only caller: the two share a key, no one else has it
        codecEnv = new HashMap<>(common);
        codecEnv.put("CGFED_CODEC_API_KEY", secrets.codecApiKey());
        codec = launch("codec-service", "codec-service", port(2), codecEnv);
        // the registry serves the coordinator's adapters as PEFT downloads: it needs the coordinator's port first
        int coordinatorPort = port(1);
        Map<String, String> registryEnv = new HashMap<>(common);
        registryEnv.put("CGFED_COORDINATOR_URL", "http://localhost:" + coordinatorPort);
        registry = launch("experiment-registry", "experiment-registry", port(3), registryEnv);
        coordinatorEnv.putAll(common);
        coordinatorEnv.put("CGFED_CODEC_URL", codec.url());
        coordinatorEnv.put("CGFED_CODEC_API_KEY", secrets.codecApiKey());
        coordinatorEnv.put("CGFED_REGISTRY_URL", registry.url());
        coordinatorEnv.put("CGFED_BLOB_DIR", settings.workDir().resolve("blobs").toString());
        coordinatorEnv.put("CGFED_JOIN_TOKEN", secrets.joinToken());
        // the files specs may name: what the operator set, else <home>/data and <home>/models (printed)
        coordinatorEnv.put("CGFED_DATA_ROOTS", ServiceEnvironment.dataRoots(settings.home()));
        coordinatorEnv.put("CGFED_MODEL_ROOTS", ServiceEnvironment.modelRoots(settings.home()));
        coordinatorEnv.putAll(settings.coordinatorEnv());
        coordinator = launch("coordinator-service", "coordinator-service", coordinatorPort, coordinatorEnv);
        coordinatorStarts.incrementAndGet();
        out.println("data roots   " + coordinatorEnv.get("CGFED_DATA_ROOTS") + "  (CGFED_DATA_ROOTS: where dataset.path may point)");
        out.println("model roots  " + coordinatorEnv.get("CGFED_MODEL_ROOTS") + "  (CGFED_MODEL_ROOTS: checkpoints)");
        for (ServiceProcess s : List.of(codec, registry, coordinator)) {
            s.awaitReady(Duration.ofMinutes(3));
            out.printf("%-12s %s  (pid %d, log %s)%n", shortName(s.name()), s.url(), s.pid(), s.log());
        }
        List<ServiceProcess> workers = new ArrayList<>();
        for (int i = 0; i < settings.workers(); i++) {
            workers.add(launchWorker("worker-" + i, "worker-" + i, port(10 + i)));
        }
        for (ServiceProcess w : workers) {
            w.awaitReady(Duration.ofMinutes(3));
            out.printf("%-12s %s  (pid %d, log %s)%n", w.name(), w.url(), w.pid(), w.log());
        }
    }

    private ServiceProcess launchWorker(String processName, String workerName, int port) throws IOException {
        Map<String, String> env = ServiceEnvironment.worker(coordinator.url(), secrets.joinToken(), workerName, settings);
        workerPorts.put(workerName, port);
        return launch(processName, "worker-service", port, env);
    }

    private ServiceProcess launch(String name, String module, int port, Map<String, String> env) throws IOException {
        Path jar = settings.home().resolve(module).resolve("target").resolve(module + ".jar");
        List<String> jvm = ServiceJvm.options(module, settings);
        ServiceProcess p = ServiceProcess.start(name, jar, port, env, jvm, settings.workDir().resolve("logs"));
        services.add(p);
        return p;
    }

    private int port(int offset) {
        if (settings.basePort() > 0) {
            return settings.basePort() + offset;
        }
        // the kernel may hand back a port it gave out a moment ago to a service that has not bound it yet
        // (a JVM takes seconds to start): two services then shared one port and requests reached the wrong one
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String shortName(String module) {
        return module.replace("-service", "").replace("experiment-", "");
    }

    public String coordinatorUrl() {
        return coordinator.url();
    }

    /** The coordinator's process (for benchmarks that watch its memory). */
    public ServiceProcess coordinator() {
        return coordinator;
    }

    /** The codec-service's process. */
    public ServiceProcess codec() {
        return codec;
    }

    /** JDBC URL of the embedded database (user postgres, no password). */
    public String databaseUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    public String registryUrl() {
        return registry.url();
    }

    public String codecUrl() {
        return codec.url();
    }

    /** The JDBC URL of the embedded PostgreSQL (user postgres, no password); each service has its own schema. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /**
     * Starts the coordinator again on the same port, database and blob directory, after it stopped or
     * was killed: what an orchestrator does after a crash. Workers keep the URL they were given.
     */
    public ServiceProcess restartCoordinator(Duration timeout) throws IOException, InterruptedException {
        if (coordinator.alive()) {
            throw new IllegalStateException("the coordinator (pid " + coordinator.pid() + ") is still running");
        }
        coordinator = launch("coordinator-service-" + coordinatorStarts.incrementAndGet(), "coordinator-service",
                coordinator.port(), coordinatorEnv);
        coordinator.awaitReady(timeout);
        return coordinator;
    }

    /** Starts the codec-service again on the same port and database, after it stopped or was killed. */
    public ServiceProcess restartCodec(Duration timeout) throws IOException, InterruptedException {
        if (codec.alive()) {
            throw new IllegalStateException("the codec-service (pid " + codec.pid() + ") is still running");
        }
        codec = launch("codec-service-" + (codecStarts.incrementAndGet() + 1), "codec-service", codec.port(), codecEnv);
        codec.awaitReady(timeout);
        return codec;
    }

    /** One more coordinator on a port of its own, sharing the database and the blob directory with the first. */
    public ServiceProcess startCoordinatorReplica(Duration timeout) throws IOException, InterruptedException {
        ServiceProcess replica = launch("coordinator-service-" + coordinatorStarts.incrementAndGet(),
                "coordinator-service", port(4), coordinatorEnv);
        replica.awaitReady(timeout);
        return replica;
    }

    /** The latest process started for a worker ({@code worker-0} ...). */
    public ServiceProcess worker(String name) {
        List<ServiceProcess> all = services();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).name().equals(name) || all.get(i).name().startsWith(name + "-restart")) {
                return all.get(i);
            }
        }
        throw new IllegalArgumentException("no worker " + name);
    }

    /** Starts a worker again under its name and port, after it stopped or was killed; it registers anew. */
    public ServiceProcess restartWorker(String name, Duration timeout) throws IOException, InterruptedException {
        if (worker(name).alive()) {
            throw new IllegalStateException(name + " is still running");
        }
        ServiceProcess w = launchWorker(name + "-restart-" + restarts.incrementAndGet(), name, workerPorts.get(name));
        w.awaitReady(timeout);
        return w;
    }

    public List<ServiceProcess> services() {
        return List.copyOf(services);
    }

    /** Workers first (they report to the coordinator), then the services, then the database. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<ServiceProcess> reversed = new ArrayList<>(services);
        Collections.reverse(reversed);
        reversed.parallelStream().filter(s -> s.name().startsWith("worker")).forEach(s -> s.stop(Duration.ofSeconds(20)));
        reversed.parallelStream().filter(s -> !s.name().startsWith("worker")).forEach(s -> s.stop(Duration.ofSeconds(20)));
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                System.err.println("embedded PostgreSQL did not stop cleanly: " + e.getMessage());
            }
        }
    }
}
