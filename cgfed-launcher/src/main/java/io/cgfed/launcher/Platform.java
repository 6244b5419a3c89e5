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
 * registry, and N workers, each service its own process talking real HTTP on localhost.
 */
public final class Platform implements AutoCloseable {
    private static final List<String> SERVICE_JVM = List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Dai.djl.offline=true");
    private final Settings settings;
    private final List<ServiceProcess> services = Collections.synchronizedList(new ArrayList<>());
    private EmbeddedPostgres postgres;
    private ServiceProcess coordinator;
    private ServiceProcess codec;
    private ServiceProcess registry;
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
     */
    public record Settings(Path home, Path workDir, int workers, int basePort, boolean keepDatabase, int workerThreads,
                           Map<String, String> coordinatorEnv, String serviceHeap) {
        public Settings {
            coordinatorEnv = Map.copyOf(coordinatorEnv);
        }

        public Settings(Path home, Path workDir, int workers, int basePort, boolean keepDatabase, int workerThreads) {
            this(home, workDir, workers, basePort, keepDatabase, workerThreads, Map.of(), null);
        }
    }

    public Platform(Settings settings) {
        this.settings = settings;
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
        out.println("postgres     " + dbUrl);
        Map<String, String> common = new HashMap<>();
        common.put("CGFED_DB_URL", dbUrl);
        common.put("CGFED_DB_USER", "postgres");
        common.put("CGFED_DB_PASSWORD", "");

        codec = launch("codec-service", "codec-service", port(2), common);
        // the registry serves the coordinator's adapters as PEFT downloads: it needs the coordinator's port first
        int coordinatorPort = port(1);
        Map<String, String> registryEnv = new HashMap<>(common);
        registryEnv.put("CGFED_COORDINATOR_URL", "http://localhost:" + coordinatorPort);
        registry = launch("experiment-registry", "experiment-registry", port(3), registryEnv);
        Map<String, String> coordinatorEnv = new HashMap<>(common);
        coordinatorEnv.put("CGFED_CODEC_URL", codec.url());
        coordinatorEnv.put("CGFED_REGISTRY_URL", registry.url());
        coordinatorEnv.put("CGFED_BLOB_DIR", settings.workDir().resolve("blobs").toString());
        coordinatorEnv.putAll(settings.coordinatorEnv());
        coordinator = launch("coordinator-service", "coordinator-service", coordinatorPort, coordinatorEnv);
        for (ServiceProcess s : List.of(codec, registry, coordinator)) {
            s.awaitReady(Duration.ofMinutes(3));
            out.printf("%-12s %s  (pid %d, log %s)%n", shortName(s.name()), s.url(), s.pid(), s.log());
        }
        List<ServiceProcess> workers = new ArrayList<>();
        for (int i = 0; i < settings.workers(); i++) {
            Map<String, String> env = new HashMap<>();
            env.put("CGFED_COORDINATOR_URL", coordinator.url());
            env.put("CGFED_WORKER_NAME", "worker-" + i);
            env.put("DJL_OFFLINE", "true");
            env.put("OMP_NUM_THREADS", Integer.toString(settings.workerThreads()));
            workers.add(launch("worker-" + i, "worker-service", port(10 + i), env));
        }
        for (ServiceProcess w : workers) {
            w.awaitReady(Duration.ofMinutes(3));
            out.printf("%-12s %s  (pid %d, log %s)%n", w.name(), w.url(), w.pid(), w.log());
        }
    }

    private ServiceProcess launch(String name, String module, int port, Map<String, String> env) throws IOException {
        Path jar = settings.home().resolve(module).resolve("target").resolve(module + ".jar");
        List<String> jvm = new ArrayList<>(SERVICE_JVM);
        if (settings.serviceHeap() != null && !module.equals("worker-service")) {
            jvm.add("-Xmx" + settings.serviceHeap()); // the later -Xmx wins
        }
        if (module.equals("worker-service")) {
            jvm.add("-Dai.djl.pytorch.num_threads=" + settings.workerThreads());
            jvm.add("-Dai.djl.pytorch.num_interop_threads=1");
        }
        ServiceProcess p = ServiceProcess.start(name, jar, port, env, jvm, settings.workDir().resolve("logs"));
        services.add(p);
        return p;
    }

    private int port(int offset) {
        if (settings.basePort() > 0) {
            return settings.basePort() + offset;
        }
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
