package io.cgfed.worker.task;

import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.worker.client.CoordinatorClient;
import io.cgfed.worker.model.ModelHost;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Runs one task and reports what it produced. TRAIN: start from the global adapter, train on this client's
 * shard, take the update (local minus global), encode it, measure what the codec lost, upload
 * ({@link UpdateTrainer}). COLLECT: TGAP's update snapshots ({@link SnapshotCollector}). EVALUATE: score the
 * global adapter on the held-out set ({@link AdapterEvaluator}). The secure aggregation stages (and TRAIN in
 * an experiment with it) go to {@link SecureAggregationTasks}. The work holds the model alone
 * ({@link ModelHost#exclusive}); the reports to the coordinator come after it.
 */
@Component
public class TaskRunner {
    private final CoordinatorClient coordinator;
    private final ModelHost models;
    private final UpdateTrainer trainer;
    private final SnapshotCollector collector;
    private final AdapterEvaluator evaluator;
    private final TaskTimings timings;
    private final SecureAggregationTasks secure;

    TaskRunner(CoordinatorClient coordinator, ModelHost models, UpdateTrainer trainer, SnapshotCollector collector,
               AdapterEvaluator evaluator, TaskTimings timings, SecureAggregationTasks secure) {
        this.secure = secure;
        this.coordinator = coordinator;
        this.models = models;
        this.trainer = trainer;
        this.collector = collector;
        this.evaluator = evaluator;
        this.timings = timings;
    }

    public void run(UUID workerId, TaskMessage task) {
        java.time.Duration patience = patience(task);
        switch (task.type()) {
            case SECAGG_ADVERTISE, SECAGG_SHARE, SECAGG_UNMASK -> secure.run(workerId, task);
            case TRAIN -> {
                if (task.spec().secureAggregation().enabled()) {
                    secure.run(workerId, task); // the update goes out masked, as secure aggregation's third stage
                    return;
                }
                UpdateTrainer.Trained out = models.exclusive(() -> trainer.train(task));
                // a contribution and an audit copy go first: the update completes the task
                if (out.contribution() != null) {
                    coordinator.attachment(workerId, task.taskId(), "contribution", out.contribution(), patience);
                }
                if (out.audit() != null) {
                    coordinator.attachment(workerId, task.taskId(), "audit", out.audit(), patience);
                }
                long u0 = System.nanoTime();
                coordinator.upload(workerId, task.taskId(), out.payload(), patience);
                timings.uploaded((System.nanoTime() - u0) / 1e9);
            }
            case COLLECT -> coordinator.attachment(workerId, task.taskId(), "collection",
                    models.exclusive(() -> collector.collect(task)), patience);
            case EVALUATE -> coordinator.evaluation(workerId, task.taskId(),
                    models.exclusive(() -> evaluator.evaluate(task)), patience);
        }
    }

    /** How long a task's reports are retried while the coordinator is away: its round deadline (at least 1 s). */
    static java.time.Duration patience(TaskMessage task) {
        return java.time.Duration.ofSeconds(Math.max(1, task.spec().roundDeadlineSeconds()));
    }
}
