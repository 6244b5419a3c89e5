package io.cgfed.worker.task;

import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.worker.client.CoordinatorClient;
import jakarta.annotation.PreDestroy;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClientException;

/**
 * The worker's life: register with the coordinator (retrying until it answers), then poll for a
 * task, run it, report, repeat. One task at a time. A coordinator that forgot this worker or its
 * credential (404 or 401 on poll) gets a fresh registration; a worker an admin revoked (403) stops.
 */
@Component
public class TaskLoop {
    private static final Logger log = LoggerFactory.getLogger(TaskLoop.class);
    private final CoordinatorClient coordinator;
    private final TaskRunner runner;
    private final AtomicReference<UUID> workerId = new AtomicReference<>();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean running = true;
    private Thread thread;

    TaskLoop(CoordinatorClient coordinator, TaskRunner runner) {
        this.coordinator = coordinator;
        this.runner = runner;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void start() {
        thread = new Thread(this::loop, "task-loop");
        thread.setDaemon(false);
        thread.start();
    }

    private void loop() {
        long backoffMs = 500;
        while (running) {
            try {
                if (workerId.get() == null) {
                    workerId.set(coordinator.register().workerId());
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
        try {
            runner.run(id, task);
            completed.incrementAndGet();
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            log.warn("task {} ({} round {} client {}) failed: {}", task.taskId(), task.type(), task.round(),
                    task.clientIndex(), e.toString());
            try {
                coordinator.failure(id, task.taskId(), e.toString());
            } catch (RestClientException reportFailed) {
                log.warn("could not report the failure of task {}: {}", task.taskId(), reportFailed.getMessage());
            }
        }
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

    @PreDestroy
    void stop() throws InterruptedException {
        running = false;
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
