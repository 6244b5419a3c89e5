package io.cgfed.coordinator.round;

import io.cgfed.coordinator.CoordinatorProperties;
import io.cgfed.coordinator.metrics.CoordinatorMetrics;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.coordinator.task.TaskStatus;
import io.cgfed.coordinator.worker.Worker;
import io.cgfed.coordinator.worker.WorkerRepository;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Gives work back to the pool. A task whose worker has not been seen for {@code worker-timeout}
 * (no poll, no heartbeat), or that has run longer than the experiment's {@code taskTimeoutSeconds}
 * while another worker is live, is cancelled and issued again to the live worker with the fewest
 * open tasks of the experiment, and the client is bound to that worker for the rounds after. With
 * no live worker the task stays where it is and the round's deadline decides.
 *
 * <p>Callers hold the round row's lock, so that an upload for the old task and its hand-over never
 * both count.
 */
@Component
public class TaskReassigner {
    private static final Logger log = LoggerFactory.getLogger(TaskReassigner.class);
    private static final List<TaskStatus> OPEN = List.of(TaskStatus.PENDING, TaskStatus.ASSIGNED);
    private final TaskRepository tasks;
    private final WorkerRepository workers;
    private final ClientAssignments assignments;
    private final CoordinatorProperties properties;
    private final CoordinatorMetrics metrics;

    TaskReassigner(TaskRepository tasks, WorkerRepository workers, ClientAssignments assignments,
                   CoordinatorProperties properties, CoordinatorMetrics metrics) {
        this.tasks = tasks;
        this.workers = workers;
        this.assignments = assignments;
        this.properties = properties;
        this.metrics = metrics;
    }

    /** Whether the round has open tasks to hand over (a read without locks, to skip the sweep cheaply). */
    public boolean anyStale(UUID experimentId, int round, ExperimentSpec spec, Instant now) {
        return !stale(experimentId, round, spec, now).isEmpty();
    }

    private List<Task> stale(UUID experimentId, int round, ExperimentSpec spec, Instant now) {
        Instant assignedCutoff = spec.taskTimeoutSeconds() == null ? Instant.EPOCH
                : now.minusSeconds(spec.taskTimeoutSeconds());
        return tasks.findStale(experimentId, now.minus(properties.workerTimeout()), assignedCutoff).stream()
                .filter(t -> t.getRound() == round).toList();
    }

    /** Hands the round's stale open tasks to live workers; returns how many moved. */
    public int sweep(UUID experimentId, int round, ExperimentSpec spec, Instant now) {
        List<Task> stale = stale(experimentId, round, spec, now);
        if (stale.isEmpty()) {
            return 0;
        }
        Instant seenCutoff = now.minus(properties.workerTimeout());
        List<Worker> live = workers.findByLastSeenAtAfterOrderByRegisteredAt(seenCutoff);
        Set<UUID> liveIds = live.stream().map(Worker::getId).collect(Collectors.toSet());
        Map<UUID, Integer> load = openTasksByWorker(experimentId);
        int moved = 0;
        for (Task t : stale) {
            boolean workerSilent = !liveIds.contains(t.getWorkerId());
            List<Worker> candidates = live.stream().filter(w -> !w.getId().equals(t.getWorkerId())).toList();
            if (candidates.isEmpty()) {
                log.debug("task {} ({} client {}) is stale but no other worker is live; it stays", t.getId(), t.getType(),
                        t.getClientIndex());
                continue;
            }
            Worker to = leastLoaded(candidates, load);
            String reason = workerSilent ? "worker_timeout" : "task_timeout";
            String why = workerSilent
                    ? "worker " + t.getWorkerId() + " not seen for " + properties.workerTimeout().toSeconds() + " s"
                    : "task ran longer than " + spec.taskTimeoutSeconds() + " s";
            handOver(t, to.getId(), why, now, load);
            metrics.taskReassigned(reason);
            moved++;
        }
        return moved;
    }

    /**
     * A round re-opened below its quorum: each of these clients gets a new task like its last one of
     * this type, with its bound worker if that one is live, else with the least loaded live worker.
     */
    public void reissue(UUID experimentId, int round, TaskType type, Collection<Integer> clients, Instant now) {
        Instant seenCutoff = now.minus(properties.workerTimeout());
        List<Worker> live = workers.findByLastSeenAtAfterOrderByRegisteredAt(seenCutoff);
        Set<UUID> liveIds = live.stream().map(Worker::getId).collect(Collectors.toSet());
        Map<UUID, Integer> load = openTasksByWorker(experimentId);
        Map<Integer, Task> last = new HashMap<>();
        for (Task t : tasks.findByExperimentIdAndRoundAndType(experimentId, round, type)) {
            last.merge(t.getClientIndex(), t, (a, b) -> a.getCreatedAt().isBefore(b.getCreatedAt()) ? b : a);
        }
        for (int client : clients) {
            Task previous = last.get(client);
            if (previous == null) {
                continue;
            }
            UUID bound = assignments.workerOf(experimentId, client);
            UUID to = liveIds.contains(bound) || live.isEmpty() ? bound : leastLoaded(live, load).getId();
            handOver(previous, to, "round " + round + " re-opened below its quorum", now, load);
        }
    }

    private void handOver(Task t, UUID to, String why, Instant now, Map<UUID, Integer> load) {
        if (t.isOpen()) {
            t.cancel("handed to worker " + to + ": " + why, now);
            load.merge(t.getWorkerId(), -1, Integer::sum);
        }
        Task again = tasks.save(t.reissueTo(to, now));
        load.merge(to, 1, Integer::sum);
        if (!to.equals(assignments.workerOf(t.getExperimentId(), t.getClientIndex()))) {
            assignments.rebind(t.getExperimentId(), t.getClientIndex(), to);
        }
        log.info("{} task of client {} handed to worker {} as task {} ({})", t.getType(), t.getClientIndex(), to,
                again.getId(), why);
    }

    private Map<UUID, Integer> openTasksByWorker(UUID experimentId) {
        Map<UUID, Integer> load = new HashMap<>();
        for (Task t : tasks.findByExperimentIdAndStatusIn(experimentId, OPEN)) {
            load.merge(t.getWorkerId(), 1, Integer::sum);
        }
        return load;
    }

    private static Worker leastLoaded(List<Worker> candidates, Map<UUID, Integer> load) {
        // candidates come in registration order: ties go to the longest registered
        return candidates.stream().min(Comparator.comparingInt(w -> load.getOrDefault(w.getId(), 0))).orElseThrow();
    }
}
