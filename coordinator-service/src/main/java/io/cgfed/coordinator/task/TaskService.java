package io.cgfed.coordinator.task;

import io.cgfed.coordinator.experiment.Experiment;
import io.cgfed.coordinator.experiment.ExperimentService;
import io.cgfed.coordinator.metrics.CoordinatorMetrics;
import io.cgfed.coordinator.round.Round;
import io.cgfed.coordinator.round.RoundRepository;
import io.cgfed.coordinator.round.RoundStatus;
import io.cgfed.coordinator.worker.WorkerRepository;
import io.cgfed.core.protocol.EvaluationReport;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import io.cgfed.service.support.ApiException;
import io.cgfed.service.support.LogContext;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.ObjectMapper;

/**
 * Hands tasks to their workers and takes their results. On shutdown, held polls are answered at
 * once (no task) so that graceful shutdown does not wait out every worker's long poll.
 *
 * <p>A held poll does not query the database itself: it parks, and one watcher thread asks every
 * {@value #POLL_INTERVAL_MS} ms, in one query, which of the waiting workers have a pending task, and
 * wakes those, which then claim it. With a query per poll and per interval, 500 held polls made 2,500
 * transactions a second and starved the connection pool (uploads waited 30 s for a connection and
 * failed); now the polling costs one query per interval whatever the number of workers. Tasks still
 * live only in the database, so a task written by another coordinator replica is found the same way.
 */
@Service
public class TaskService implements SmartLifecycle {
    private static final long POLL_INTERVAL_MS = 200;
    private static final int WATCH_BATCH = 1000;
    private final TaskRepository tasks;
    private final WorkerRepository workers;
    private final RoundRepository rounds;
    private final ExperimentService experiments;
    private final TransactionTemplate tx;
    private final ObjectMapper json;
    private volatile boolean accepting = true;
    private final CoordinatorMetrics metrics;
    private static final Logger log = LoggerFactory.getLogger(TaskService.class);
    /** Held polls, each woken (counted down) when its worker has a pending task or the service stops. */
    private final java.util.Set<Waiter> waiting = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private java.util.concurrent.ScheduledExecutorService watcher;

    private record Waiter(UUID workerId, java.util.concurrent.CountDownLatch wake) {
    }

    TaskService(TaskRepository tasks, WorkerRepository workers, RoundRepository rounds, ExperimentService experiments,
                TransactionTemplate tx, ObjectMapper json, CoordinatorMetrics metrics) {
        this.metrics = metrics;
        this.tasks = tasks;
        this.workers = workers;
        this.rounds = rounds;
        this.experiments = experiments;
        this.tx = tx;
        this.json = json;
    }

    /**
     * Waits up to {@code wait} for a pending task of this worker and assigns it. A worker that says it is
     * {@code idle} (it holds no task: the real worker runs one at a time and polls between them) first gets
     * back any task the coordinator still counts as assigned to it: that task's answer was lost in transit
     * (the coordinator died after assigning it, before the worker read it), and the round would otherwise
     * wait for it until its deadline.
     */
    public Optional<TaskMessage> poll(UUID workerId, Duration wait, boolean idle) throws InterruptedException {
        if (idle) {
            Optional<TaskMessage> lost = tx.execute(s -> tasks.lockOldestAssigned(workerId).map(t -> {
                log.info("task {} ({} round {} client {}) handed out again: worker {} polls idle, so it never got it",
                        t.getId(), t.getType(), t.getRound(), t.getClientIndex(), workerId);
                t.assign(Instant.now());
                return message(t);
            }));
            if (lost.isPresent()) {
                workers.touch(workerId, Instant.now());
                return lost;
            }
        }
        return poll(workerId, wait);
    }

    /** Waits up to {@code wait} for a pending task of this worker and assigns it. */
    public Optional<TaskMessage> poll(UUID workerId, Duration wait) throws InterruptedException {
        if (workers.touch(workerId, Instant.now()) == 0) {
            throw ApiException.notFound("no worker " + workerId + "; register first");
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Optional<TaskMessage> task = tx.execute(s -> claim(workerId));
            long left = deadline - System.nanoTime();
            if (task.isPresent() || left <= 0 || !accepting) {
                return task;
            }
            Waiter waiter = new Waiter(workerId, new java.util.concurrent.CountDownLatch(1));
            waiting.add(waiter);
            try {
                if (accepting) { // stop() may have drained the waiters just before this one was added
                    waiter.wake().await(left, java.util.concurrent.TimeUnit.NANOSECONDS);
                }
            } finally {
                waiting.remove(waiter);
            }
        }
    }

    /** The watcher's round: one query for all held polls, then wake those whose worker has a task. */
    void wakeWorkersWithTasks() {
        if (waiting.isEmpty()) {
            return;
        }
        java.util.List<UUID> workerIds = new java.util.ArrayList<>(new java.util.HashSet<>(
                waiting.stream().map(Waiter::workerId).toList()));
        java.util.Set<UUID> ready = new java.util.HashSet<>();
        for (int from = 0; from < workerIds.size(); from += WATCH_BATCH) { // bind parameters per query are bounded
            ready.addAll(tasks.workersWithPendingTasks(workerIds.subList(from,
                    Math.min(workerIds.size(), from + WATCH_BATCH))));
        }
        for (Waiter w : waiting) {
            if (ready.contains(w.workerId())) {
                w.wake().countDown();
            }
        }
    }

    private Optional<TaskMessage> claim(UUID workerId) {
        return tasks.lockNextPending(workerId).map(t -> {
            t.assign(Instant.now());
            return message(t);
        });
    }

    private TaskMessage message(Task t) {
        Experiment e = experiments.find(t.getExperimentId());
        return new TaskMessage(t.getId(), t.getType(), t.getExperimentId(), t.getRound(), t.getClientIndex(),
                t.getAdapterVersion(), experiments.spec(e), t.getCodecVersion(), t.isContribute());
    }

    /** A worker's own task, or the reason it may not act on it. */
    /** An upload for this task was refused as late (its round closed, or the task went to another worker). */
    public void markLateUpload(UUID taskId, Instant now) {
        tasks.markLateUpload(taskId, now);
    }

    public Task ownTask(UUID taskId, UUID workerId) {
        Task t = tasks.findById(taskId).orElseThrow(() -> ApiException.notFound("no task " + taskId));
        if (!t.getWorkerId().equals(workerId)) {
            throw ApiException.forbidden("task " + taskId + " is not assigned to worker " + workerId);
        }
        return t;
    }

    /** Records an evaluation and closes its round. */
    public void reportEvaluation(UUID taskId, UUID workerId, EvaluationReport report) {
        tx.executeWithoutResult(s -> {
            Task t = ownTask(taskId, workerId);
            if (t.getType() != TaskType.EVALUATE) {
                throw ApiException.conflict("task " + taskId + " is a " + t.getType() + " task, not EVALUATE");
            }
            if (t.getStatus() != TaskStatus.ASSIGNED) {
                throw ApiException.conflict("task " + taskId + " is " + t.getStatus() + ", not ASSIGNED");
            }
            MDC.put(LogContext.EXPERIMENT, t.getExperimentId().toString());
            MDC.put(LogContext.ROUND, Integer.toString(t.getRound()));
            // locked: the round driver may be handing this task to another worker at the same moment
            Round r = rounds.lock(t.getExperimentId(), t.getRound()).orElseThrow();
            if (r.getStatus() != RoundStatus.EVALUATING) {
                throw ApiException.conflict("round " + t.getRound() + " is " + r.getStatus() + ", not EVALUATING");
            }
            r.evaluated(report.evalLoss(), report.perplexity(), report.accuracy(),
                    report.accuracyByCategory() == null ? null : json.writeValueAsString(report.accuracyByCategory()),
                    report.examplesByCategory() == null ? null : json.writeValueAsString(report.examplesByCategory()),
                    Instant.now());
            t.complete(Instant.now());
            metrics.roundClosed();
            log.info("round {} closed: eval loss {}, accuracy {}", t.getRound(), report.evalLoss(), report.accuracy());
        });
    }

    /**
     * A worker says it is alive while it runs a long task (polls say so between tasks); a worker
     * silent for {@code worker-timeout} has its open tasks handed to live workers.
     *
     * @throws ApiException 404 when the coordinator does not know the worker (it should register again)
     */
    public void heartbeat(UUID workerId) {
        if (workers.touch(workerId, Instant.now()) == 0) {
            throw ApiException.notFound("no worker " + workerId + "; register first");
        }
    }

    /**
     * The coordinator refused the task's update for what it holds (not for its form): the task fails with
     * the reason, unless it is no longer open (its update was counted, or it was handed on).
     */
    public void refuseUpdate(UUID taskId, UUID workerId, String reason) {
        tx.executeWithoutResult(s -> {
            Task t = ownTask(taskId, workerId);
            if (t.isOpen()) {
                t.fail(reason.substring(0, Math.min(reason.length(), 2000)), Instant.now());
            }
        });
    }

    /** A worker gives up on a task; the round driver decides what follows. */
    public void reportFailure(UUID taskId, UUID workerId, String reason) {
        tx.executeWithoutResult(s -> {
            Task t = ownTask(taskId, workerId);
            if (t.getStatus() == TaskStatus.DONE) {
                throw ApiException.conflict("task " + taskId + " is already DONE");
            }
            t.fail(reason == null ? "unspecified" : reason.substring(0, Math.min(reason.length(), 2000)), Instant.now());
        });
    }

    @Override
    public synchronized void start() {
        accepting = true;
        if (watcher == null) {
            watcher = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "task-poll-watcher");
                t.setDaemon(true);
                return t;
            });
            boolean[] failing = {false};
            watcher.scheduleWithFixedDelay(() -> {
                try {
                    wakeWorkersWithTasks();
                    failing[0] = false;
                } catch (RuntimeException e) {
                    // the database is away: held polls run out their wait and claim once more at the end
                    if (!failing[0]) {
                        org.slf4j.LoggerFactory.getLogger(TaskService.class)
                                .warn("poll watcher cannot reach the database; held polls claim at their deadline: {}",
                                        e.toString());
                    }
                    failing[0] = true;
                }
            }, POLL_INTERVAL_MS, POLL_INTERVAL_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** Runs before the web server's graceful shutdown (a later phase stops first): held polls answer now. */
    @Override
    public synchronized void stop() {
        accepting = false;
        waiting.forEach(w -> w.wake().countDown());
        if (watcher != null) {
            watcher.shutdownNow();
            watcher = null;
        }
    }

    /** Running once started (the watcher exists): Spring starts only a lifecycle that says it is not running. */
    @Override
    public synchronized boolean isRunning() {
        return accepting && watcher != null;
    }
}
