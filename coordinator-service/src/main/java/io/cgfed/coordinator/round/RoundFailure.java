package io.cgfed.coordinator.round;

import io.cgfed.coordinator.experiment.Experiment;
import io.cgfed.coordinator.experiment.ExperimentStatus;
import io.cgfed.coordinator.metrics.CoordinatorMetrics;
import io.cgfed.coordinator.remote.RegistrySync;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.coordinator.task.TaskStatus;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** A round that cannot go on fails its experiment: the round FAILED, the experiment FAILED with the reason, open tasks cancelled. */
@Component
class RoundFailure {
    private static final Logger log = LoggerFactory.getLogger(RoundFailure.class);
    private final TaskRepository tasks;
    private final CoordinatorMetrics metrics;
    private final RegistrySync registry;

    RoundFailure(TaskRepository tasks, CoordinatorMetrics metrics, RegistrySync registry) {
        this.tasks = tasks;
        this.metrics = metrics;
        this.registry = registry;
    }

    void fail(Experiment e, Round round, String reason) {
        if (e.getStatus().isFinal()) {
            return; // a cancel that committed first stands
        }
        Instant now = Instant.now();
        round.fail(now);
        metrics.roundFailed();
        e.finish(ExperimentStatus.FAILED, reason, now);
        for (Task t : tasks.findByExperimentIdAndStatusIn(e.getId(), List.of(TaskStatus.PENDING, TaskStatus.ASSIGNED))) {
            t.cancel(now);
        }
        registry.afterCommit(e.getId());
        log.warn("experiment {} failed: {}", e.getId(), reason);
    }
}
