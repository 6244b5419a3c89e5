package io.cgfed.core.aggregation;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;

/**
 * Sample-weighted FedAvg, applied to A and B factors separately as FedIT does (the average of the
 * factors is not the factor of the average product: a known limit of federated LoRA).
 */
public final class FedAvg implements Aggregator {
    public static final String NAME = "fedavg";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public NamedTensors aggregate(List<WeightedUpdate> updates) {
        if (updates.isEmpty()) {
            throw new IllegalArgumentException("nothing to aggregate");
        }
        NamedTensors first = updates.get(0).update();
        double total = 0;
        for (WeightedUpdate u : updates) {
            if (!u.update().sameLayout(first)) {
                throw new IllegalArgumentException("updates differ in names or shapes");
            }
            total += u.weight();
        }
        NamedTensors out = new NamedTensors();
        for (String name : first.names()) {
            int[] shape = first.get(name).shape();
            double[] acc = new double[first.get(name).size()];
            for (WeightedUpdate u : updates) {
                float[] x = u.update().get(name).data();
                double w = u.weight() / total;
                for (int i = 0; i < acc.length; i++) {
                    acc[i] += w * x[i];
                }
            }
            float[] avg = new float[acc.length];
            for (int i = 0; i < acc.length; i++) {
                avg[i] = (float) acc[i];
            }
            out.put(name, new FloatTensor(shape, avg));
        }
        return out;
    }
}
