package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import java.util.List;
import java.util.Map;

/**
 * What a payload says about itself: whose update for which round, the codec that made it, the
 * number of training samples behind it (its FedAvg weight), the tensor manifest, and the metrics
 * only the client can measure (local loss, reconstruction quality).
 */
public record PayloadHeader(String experimentId, int round, int clientIndex, String codec, int codecVersion,
                            long samples, List<TensorSpec> manifest, Map<String, Double> metrics) {
    public PayloadHeader {
        manifest = List.copyOf(manifest);
        metrics = Map.copyOf(metrics);
    }
}
