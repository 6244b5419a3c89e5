package io.cgfed.coordinator.task;

import io.cgfed.core.protocol.TaskMessage.TaskType;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface TaskRepository extends JpaRepository<Task, UUID> {
    /** The oldest pending task of a worker, locked so that concurrent polls never hand it out twice. */
    @Query(value = """
            SELECT * FROM tasks WHERE worker_id = :workerId AND status = 'PENDING'
            ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED
            """, nativeQuery = true)
    Optional<Task> lockNextPending(UUID workerId);

    /** The oldest task assigned to a worker and not yet settled, locked (see {@code TaskService#poll} with idle). */
    @Query(value = """
            SELECT * FROM tasks WHERE worker_id = :workerId AND status = 'ASSIGNED'
            ORDER BY assigned_at LIMIT 1 FOR UPDATE SKIP LOCKED
            """, nativeQuery = true)
    Optional<Task> lockOldestAssigned(UUID workerId);

    /** Which of these workers have a pending task: one query for every held poll (uses tasks_by_worker). */
    @Query(value = "SELECT DISTINCT worker_id FROM tasks WHERE status = 'PENDING' AND worker_id IN (:workers)",
            nativeQuery = true)
    List<UUID> workersWithPendingTasks(java.util.Collection<UUID> workers);

    List<Task> findByExperimentIdAndRoundAndType(UUID experimentId, int round, TaskType type);

    List<Task> findByExperimentIdAndStatusIn(UUID experimentId, List<TaskStatus> statuses);

    List<Task> findByExperimentIdAndRoundAndStatusIn(UUID experimentId, int round, List<TaskStatus> statuses);

    /**
     * Open tasks of an experiment that must go back to the pool: their worker has not been seen since
     * {@code seenCutoff}, or they were handed out before {@code assignedCutoff} (the epoch: never).
     */
    @Query(value = """
            SELECT t.* FROM tasks t JOIN workers w ON w.id = t.worker_id
            WHERE t.experiment_id = :experimentId AND t.status IN ('PENDING', 'ASSIGNED')
              AND (w.last_seen_at < :seenCutoff OR (t.status = 'ASSIGNED' AND t.assigned_at < :assignedCutoff))
            ORDER BY t.created_at
            """, nativeQuery = true)
    List<Task> findStale(UUID experimentId, java.time.Instant seenCutoff, java.time.Instant assignedCutoff);

    /** Records that an upload for this task came too late (its round closed, or the task was cancelled). */
    @org.springframework.data.jpa.repository.Modifying
    @org.springframework.transaction.annotation.Transactional
    @Query(value = "UPDATE tasks SET late_upload_at = :at WHERE id = :taskId AND late_upload_at IS NULL", nativeQuery = true)
    int markLateUpload(UUID taskId, java.time.Instant at);

    List<Task> findByExperimentIdAndRoundOrderByCreatedAt(UUID experimentId, int round);
}
