package io.cgfed.core.aggregation;

import io.cgfed.core.tensor.NamedTensors;
import java.util.List;

/** Combines the decoded updates of one round into the update applied to the global adapter. */
public interface Aggregator {
    String name();

    NamedTensors aggregate(List<WeightedUpdate> updates);

    /** An update with its weight (the client's number of training samples for FedAvg). */
    record WeightedUpdate(NamedTensors update, double weight) {
        public WeightedUpdate {
            if (!(weight > 0) || !Double.isFinite(weight)) {
                throw new IllegalArgumentException("update weight must be positive and finite");
            }
        }
    }
}
