package io.cgfed.launcher;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options a platform process starts with: a small heap and the serial collector, DJL offline, the
 * quick-starting JIT where it costs nothing, the services' heap if one was asked for, and a worker's
 * libtorch threads.
 */
final class ServiceJvm {
    private static final List<String> SERVICE_JVM = List.of("-Xmx512m", "-XX:+UseSerialGC", "-Dai.djl.offline=true");
    /**
     * The client-compiler-only JIT starts faster but runs numeric loops several times slower: kept for the
     * registry, whose work is JSON. The codec-service (decoding and summing updates), the coordinator
     * (decoding for the norm check) and the workers (encoding, checkpoint conversion) get the full JIT:
     * with C1 only, 50 updates of a 7B layout took 10.3 s from the last upload to aggregated. The
     * system property {@code cgfed.launcher.jit=quick} gives every service the quick one (the end-to-end
     * tests, which start dozens of short-lived services, set it).
     */
    private static final String QUICK_START_JIT = "-XX:TieredStopAtLevel=1";

    private ServiceJvm() {
    }

    /** The options of {@code module}'s process ({@code coordinator-service}, ..., {@code worker-service}). */
    static List<String> options(String module, Platform.Settings settings) {
        List<String> jvm = new ArrayList<>(SERVICE_JVM);
        if (module.equals("experiment-registry") || "quick".equals(System.getProperty("cgfed.launcher.jit"))) {
            jvm.add(QUICK_START_JIT);
        }
        if (settings.serviceHeap() != null && !module.equals("worker-service")) {
            jvm.add("-Xmx" + settings.serviceHeap()); // the later -Xmx wins
        }
        if (module.equals("worker-service")) {
            jvm.add("-Dai.djl.pytorch.num_threads=" + settings.workerThreads());
            jvm.add("-Dai.djl.pytorch.num_interop_threads=1");
        }
        return jvm;
    }
}
