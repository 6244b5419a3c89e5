package io.cgfed.launcher;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The environment the platform's processes start with, apart from what a service is told of the others: the
 * database, keys and bind address every service shares, a worker's whole environment, and the roots the
 * coordinator lets specs name, each as the launcher was given it or its default.
 */
final class ServiceEnvironment {
    private ServiceEnvironment() {
    }

    /** What every service gets: the database, the secrets, whether reads are open, the address to listen on. */
    static Map<String, String> common(String dbUrl, PlatformSecrets secrets, boolean openReads) {
        Map<String, String> common = new HashMap<>();
        common.put("CGFED_DB_URL", dbUrl);
        common.put("CGFED_DB_USER", "postgres");
        common.put("CGFED_DB_PASSWORD", "");
        // secrets by environment only; each service takes what it needs, the workers only the join token
        common.put("CGFED_ADMIN_API_KEY", secrets.adminApiKey());
        common.put("CGFED_REGISTRY_API_KEY", secrets.registryApiKey());
        common.put("CGFED_OPEN_READS", Boolean.toString(openReads));
        // a platform on this machine listens on loopback only (containers and Helm listen on every interface)
        common.put("CGFED_BIND_ADDRESS", bindAddress());
        return common;
    }

    /** A worker's environment: its coordinator, the join token, its name, its threads and its allocator. */
    static Map<String, String> worker(String coordinatorUrl, String joinToken, String workerName,
                                      Platform.Settings settings) {
        Map<String, String> env = new HashMap<>();
        env.put("CGFED_COORDINATOR_URL", coordinatorUrl);
        env.put("CGFED_JOIN_TOKEN", joinToken);
        env.put("CGFED_BIND_ADDRESS", bindAddress());
        env.put("CGFED_WORKER_NAME", workerName);
        env.put("DJL_OFFLINE", "true");
        env.put("OMP_NUM_THREADS", Integer.toString(settings.workerThreads()));
        // glibc keeps freed native memory in per-thread arenas and, past its adaptive mmap threshold, on the
        // heap: libtorch's transient tensors (widened half-precision weights, logits) then stay resident.
        // Two arenas and a fixed 128 KiB threshold return them (smollm-135m: peak RSS 665 -> 576 MiB)
        env.put("MALLOC_ARENA_MAX", "2");
        env.put("MALLOC_MMAP_THRESHOLD_", "131072");
        env.put("MALLOC_TRIM_THRESHOLD_", "131072");
        env.putAll(settings.workerEnv());
        env.putAll(settings.envByWorker().getOrDefault(workerName, Map.of()));
        return env;
    }

    /** CGFED_BIND_ADDRESS as the launcher was given it, else loopback. */
    static String bindAddress() {
        String given = System.getenv("CGFED_BIND_ADDRESS");
        return given != null && !given.isBlank() ? given : "127.0.0.1";
    }

    /** CGFED_DATA_ROOTS as the launcher was given it, else the home's {@code data} directory. */
    static String dataRoots(Path home) {
        String given = System.getenv("CGFED_DATA_ROOTS");
        return given != null && !given.isBlank() ? given : home.resolve("data").toAbsolutePath().normalize().toString();
    }

    /** CGFED_MODEL_ROOTS as the launcher was given it, else the home's {@code models} directory. */
    static String modelRoots(Path home) {
        String given = System.getenv("CGFED_MODEL_ROOTS");
        return given != null && !given.isBlank() ? given : home.resolve("models").toAbsolutePath().normalize().toString();
    }
}
