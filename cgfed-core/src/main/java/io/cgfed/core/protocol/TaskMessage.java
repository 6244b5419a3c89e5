package io.cgfed.core.protocol;

import java.util.UUID;

/**
 * A unit of work the coordinator hands to a worker. TRAIN: start from adapter {@code adapterVersion},
 * train on client {@code clientIndex}'s shard, upload one encoded update. EVALUATE: evaluate adapter
 * {@code adapterVersion} on the held-out set and report.
 */
public record TaskMessage(UUID taskId, TaskType type, UUID experimentId, int round, int clientIndex,
                          int adapterVersion, ExperimentSpec spec) {
    public enum TaskType { TRAIN, EVALUATE }
}
