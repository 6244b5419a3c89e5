package io.cgfed.core.protocol;

import java.util.UUID;

/**
 * A unit of work the coordinator hands to a worker. TRAIN: start from adapter {@code adapterVersion},
 * train on client {@code clientIndex}'s shard, encode with codec version {@code codecVersion} (0 for
 * codecs that learn nothing) and upload one update; with {@code contribute}, first send the codec's FAF
 * contribution computed on the fresh update. COLLECT (TGAP): from adapter {@code adapterVersion}, train
 * on the client's D1 share for the codec's collect rounds and upload one snapshot of the increment per
 * round. EVALUATE: evaluate adapter {@code adapterVersion} on the held-out set and report.
 */
public record TaskMessage(UUID taskId, TaskType type, UUID experimentId, int round, int clientIndex,
                          int adapterVersion, ExperimentSpec spec, int codecVersion, boolean contribute) {
    public enum TaskType { TRAIN, EVALUATE, COLLECT }

    public TaskMessage(UUID taskId, TaskType type, UUID experimentId, int round, int clientIndex, int adapterVersion,
                       ExperimentSpec spec) {
        this(taskId, type, experimentId, round, clientIndex, adapterVersion, spec, 0, false);
    }
}
