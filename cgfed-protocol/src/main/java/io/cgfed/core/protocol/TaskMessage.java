package io.cgfed.core.protocol;

import java.util.UUID;

/**
 * A unit of work the coordinator hands to a worker. TRAIN: start from adapter {@code adapterVersion},
 * train on client {@code clientIndex}'s shard, encode with codec version {@code codecVersion} (0 for
 * codecs that learn nothing) and upload one update; with {@code contribute}, first send the codec's FAF
 * contribution computed on the fresh update. COLLECT (TGAP): from adapter {@code adapterVersion}, train
 * on the client's D1 share for the codec's collect rounds and upload one snapshot of the increment per
 * round. EVALUATE: evaluate adapter {@code adapterVersion} on the held-out set and report. With secure aggregation
 * a round's TRAIN comes between its SECAGG stages and sends a masked input ({@code GET|PUT /api/v1/tasks/{id}/secagg}).
 */
public record TaskMessage(UUID taskId, TaskType type, UUID experimentId, int round, int clientIndex,
                          int adapterVersion, ExperimentSpec spec, int codecVersion, boolean contribute) {
    /**
     * The secure aggregation stages (SecAgg+) around TRAIN: SECAGG_ADVERTISE (keys), SECAGG_SHARE (sealed shares),
     * then TRAIN (the masked input instead of an update), SECAGG_UNMASK (the shares the server needs).
     */
    public enum TaskType { TRAIN, EVALUATE, COLLECT, SECAGG_ADVERTISE, SECAGG_SHARE, SECAGG_UNMASK }

    public TaskMessage(UUID taskId, TaskType type, UUID experimentId, int round, int clientIndex, int adapterVersion,
                       ExperimentSpec spec) {
        this(taskId, type, experimentId, round, clientIndex, adapterVersion, spec, 0, false);
    }
}
