package io.cgfed.coordinator.round;

import jakarta.annotation.PreDestroy;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Where the round driver's steps run: a pool of {@code cgfed.coordinator.driver-threads} (4), with at
 * most one step of an experiment at a time, so a slow step (a codec-service call, a large aggregation)
 * holds up only its own experiment. Shutdown lets running steps finish (each is transactional).
 */
@Component
class ExperimentSteps {
    private static final Logger log = LoggerFactory.getLogger(ExperimentSteps.class);
    private final Set<UUID> inFlight = ConcurrentHashMap.newKeySet();
    private final ExecutorService pool;

    @Autowired
    ExperimentSteps(io.cgfed.coordinator.CoordinatorProperties properties) {
        this(properties.driverThreads());
    }

    ExperimentSteps(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("cgfed.coordinator.driver-threads must be at least 1, was " + threads);
        }
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "round-driver-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code step} for this experiment unless one of its steps is still running (then: nothing). */
    void submit(UUID experimentId, Runnable step) {
        if (!inFlight.add(experimentId)) {
            return;
        }
        try {
            pool.execute(() -> {
                try {
                    step.run();
                } finally {
                    inFlight.remove(experimentId);
                }
            });
        } catch (RejectedExecutionException stopping) {
            inFlight.remove(experimentId);
        }
    }

    @PreDestroy
    void stop() throws InterruptedException {
        pool.shutdown();
        if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
            log.warn("round driver: steps still running after 30 s at shutdown: {}", inFlight);
            pool.shutdownNow();
        }
    }
}
