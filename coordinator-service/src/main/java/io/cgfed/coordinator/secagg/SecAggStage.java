package io.cgfed.coordinator.secagg;

import io.cgfed.core.protocol.TaskMessage.TaskType;

/** The stages of a securely aggregated round, in order, each with the task type that performs it. */
public enum SecAggStage {
    ADVERTISE(TaskType.SECAGG_ADVERTISE),
    SHARE(TaskType.SECAGG_SHARE),
    /** The round's training: each client sends its masked update. */
    MASKED_INPUT(TaskType.TRAIN),
    UNMASK(TaskType.SECAGG_UNMASK),
    /** Unmasked: the aggregate is stored, the round aggregates. */
    DONE(null);

    private final TaskType task;

    SecAggStage(TaskType task) {
        this.task = task;
    }

    public TaskType task() {
        return task;
    }

    public SecAggStage next() {
        return values()[ordinal() + 1];
    }

    /** The stage a task type performs, or null for one that is none of them. */
    public static SecAggStage of(TaskType type) {
        for (SecAggStage s : values()) {
            if (s.task == type) {
                return s;
            }
        }
        return null;
    }
}
