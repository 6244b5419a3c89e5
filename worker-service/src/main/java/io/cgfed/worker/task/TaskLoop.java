package io.cgfed.worker.task;

import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.service.support.LogContext;
import io.cgfed.worker.WorkerProperties;
import io.cgfed.worker.client.CoordinatorClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClientException;

/**
 * The worker's life: register with the coordinator (retrying until it answers), then poll for a
 * task, run it, report, repeat. One task at a time, with a heartbeat to the coordinator while it
 * runs (so that a long task is not taken for a dead worker's). A coordinator that forgot this worker
 * or its credential (404 or 401 on a poll or a heartbeat) gets a fresh registration; a worker an admin
 * revoked (403) stops; a coordinator that is restarting is polled again with backoff. A task cut short
 * by this worker's shutdown is not reported as failed: the coordinator hands it to another worker
 * when this one stays silent. Task log lines carry the experiment, round and task ({@link LogContext}).
 *
 * <p>A worker never becomes a zombie: a task that fails, out of memory included, is reported as failed
 * with its reason and the loop goes on; if the loop itself cannot go on (an error escaped it), liveness
 * turns BROKEN ({@code /actuator/health/liveness} answers 503), so Kubernetes restarts the pod, instead
 * of a worker that looks healthy and takes no task.
 */
@Component
public class TaskLoop {
    private static final Logger log = LoggerFactory.getLogger(TaskLoop.class);
    private final CoordinatorClient coordinator;
    private final TaskRunner runner;
    private final WorkerProperties properties;
    private final MeterRegistry meters;
    private final ApplicationEventPublisher events;
    private final AtomicReference<UUID> workerId = new AtomicReference<>();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong registrations = new AtomicLong();
    private final AtomicBoolean forgotten = new AtomicBoolean();
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "heartbeat");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean running = true;
    private Thread thread;

    TaskLoop(CoordinatorClient coordinator, TaskRunner runner, WorkerProperties properties, MeterRegistry meters,
             ApplicationEventPublisher events) {
        this.events = events;
        this.coordinator = coordinator;
        this.runner = runner;
        this.properties = properties;
        this.meters = meters;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void start() {
        thread = new Thread(this::loopOrBreak, "task-loop");
        thread.setDaemon(false);
        thread.start();
    }

    /** The loop; if anything escapes it while the worker should run, liveness goes BROKEN. */
    private void loopOrBreak() {
        try {
            loop();
        } catch (Throwable fatal) {
            if (!running) {
                return; // shutting down: whatever the interrupt broke does not matter any more
            }
            log.error("the task loop stopped: liveness is BROKEN so that this worker is restarted", fatal);
            AvailabilityChangeEvent.publish(events, this, LivenessState.BROKEN);
            throw fatal;
        }
    }

    private void loop() {
        long backoffMs = 500;
        while (running) {
            try {
                boolean forgottenByCoordinator = forgotten.getAndSet(false);
                if (workerId.get() == null || forgottenByCoordinator) {
                    workerId.set(coordinator.register().workerId());
                    registrations.incrementAndGet();
                    log.info("registered with the coordinator as worker {}", workerId.get());
                }
                Optional<TaskMessage> task = coordinator.nextTask(workerId.get());
                backoffMs = 500;
                task.ifPresent(this::execute);
            } catch (HttpClientErrorException.NotFound | HttpClientErrorException.Unauthorized e) {
                if (workerId.getAndSet(null) == null) {
                    // the registration itself was refused: a missing or wrong join token
                    log.warn("the coordinator refused to register this worker ({}); retrying in {} ms",
                            e.getStatusCode(), backoffMs);
                    sleep(backoffMs);
                    backoffMs = Math.min(10_000, backoffMs * 2);
                }
            } catch (HttpClientErrorException.Forbidden e) {
                if (workerId.get() == null) {
                    log.warn("the coordinator refused to register this worker (403: registration closed); retrying in {} ms",
                            backoffMs);
                    sleep(backoffMs);
                    backoffMs = Math.min(10_000, backoffMs * 2);
                    continue;
                }
                log.error("the coordinator revoked worker {}: it stops asking for tasks", workerId.get());
                running = false;
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.debug("coordinator not reachable or answered nonsense ({}); retrying in {} ms", e.toString(), backoffMs);
                sleep(backoffMs);
                backoffMs = Math.min(10_000, backoffMs * 2);
            }
        }
    }

    private void execute(TaskMessage task) {
        UUID id = workerId.get();
        long period = Math.max(50, properties.heartbeat().toMillis());
        ScheduledFuture<?> beat = heartbeats.scheduleWithFixedDelay(() -> heartbeat(id), period, period,
                TimeUnit.MILLISECONDS);
        long start = System.nanoTime();
        String type = task.type().name();
        try (LogContext context = LogContext.ofTask(task.experimentId(), task.round(), task.taskId())) {
            log.info("{} task for client {} started", type, task.clientIndex());
            try {
                runner.run(id, task);
                completed.incrementAndGet();
                record(type, "completed", start);
                log.info("{} task for client {} done in {} ms", type, task.clientIndex(),
                        (System.nanoTime() - start) / 1_000_000);
            } catch (RuntimeException | OutOfMemoryError e) {
                // out of memory in training or data loading fails this task, not the worker: what the task
                // held is garbage once this frame is left, and the next task starts afresh
                if (!running) {
                    // the coordinator gives the task to another worker once this one stays silent
                    log.info("{} task stopped by shutdown: {}", type, e.toString());
                    record(type, "interrupted", start);
                    return;
                }
                failed.incrementAndGet();
                record(type, "failed", start);
                log.warn("task {} ({} round {} client {}) failed: {}", task.taskId(), task.type(), task.round(),
                        task.clientIndex(), e.toString());
                try {
                    coordinator.failure(id, task.taskId(), e.toString(), TaskRunner.patience(task));
                } catch (RestClientException reportFailed) {
                    log.warn("could not report the failure of task {}: {}", task.taskId(), reportFailed.getMessage());
                }
            }
        } finally {
            beat.cancel(false);
        }
    }

    private void heartbeat(UUID id) {
        try {
            coordinator.heartbeat(id);
        } catch (HttpClientErrorException.NotFound | HttpClientErrorException.Unauthorized unknown) {
            // the task in hand cannot be delivered to this coordinator either; register again after it
            forgotten.set(true);
        } catch (RuntimeException unreachable) {
            log.debug("heartbeat not delivered: {}", unreachable.toString());
        }
    }

    /** {@code cgfed.worker.tasks{type,outcome}} and {@code cgfed.worker.task.duration{type,outcome}}. */
    private void record(String type, String outcome, long startNanos) {
        Counter.builder("cgfed.worker.tasks").tag("type", type).tag("outcome", outcome)
                .description("tasks this worker ran").register(meters).increment();
        Timer.builder("cgfed.worker.task.duration").tag("type", type).tag("outcome", outcome)
                .description("time to run one task, reports included").register(meters)
                .record(Duration.ofNanos(System.nanoTime() - startNanos));
    }

    public UUID workerId() {
        return workerId.get();
    }

    public long completed() {
        return completed.get();
    }

    public long failed() {
        return failed.get();
    }

    /** How many times this worker registered (more than once after a coordinator forgot it). */
    public long registrations() {
        return registrations.get();
    }

    @PreDestroy
    void stop() throws InterruptedException {
        running = false;
        heartbeats.shutdownNow();
        if (thread != null) {
            thread.interrupt();
            thread.join(10_000);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
