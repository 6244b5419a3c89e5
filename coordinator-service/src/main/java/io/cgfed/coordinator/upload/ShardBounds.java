package io.cgfed.coordinator.upload;

import io.cgfed.core.data.ClientData;
import io.cgfed.core.protocol.ExperimentSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The most samples each client of an experiment may claim ({@link ClientData#maxTrainExamples}), worked
 * out once per experiment (for the demo task under a Dirichlet partition that generates and partitions the
 * pool), not on every upload; the most recent experiments are kept.
 */
@Component
class ShardBounds {
    private static final int KEPT = 64;
    private final io.cgfed.core.util.LruCache<UUID, long[]> byExperiment = new io.cgfed.core.util.LruCache<>(KEPT);

    long of(UUID experimentId, ExperimentSpec spec, int client) {
        long[] bounds = byExperiment.get(experimentId);
        if (bounds == null) {
            // computed outside the lock; two uploads racing on a new experiment compute the same array
            bounds = ClientData.maxTrainExamples(spec.dataset(), spec.clients());
            byExperiment.put(experimentId, bounds);
        }
        return bounds[client];
    }
}
