package io.cgfed.core.aggregation;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        Sum sum = new Sum();
        for (WeightedUpdate u : updates) {
            sum.add(u.update(), u.weight());
        }
        return sum.average();
    }

    /**
     * A running sample-weighted sum, so a round is averaged one update at a time: what it holds is one
     * double per parameter, however many clients there are. {@link FedAvg#aggregate} is this over a list,
     * so a streamed round and a listed one agree to the bit.
     */
    public static final class Sum {
        private NamedTensors layout;
        private Map<String, double[]> acc;
        private double total;
        private int count;

        /** Adds {@code weight x update}; every update must have the first one's names and shapes. */
        public void add(NamedTensors update, double weight) {
            if (!(weight > 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("update weight must be positive and finite");
            }
            if (layout == null) {
                layout = update;
                acc = new LinkedHashMap<>();
                for (String name : update.names()) {
                    acc.put(name, new double[update.get(name).size()]);
                }
            } else if (!update.sameLayout(layout)) {
                throw new IllegalArgumentException("updates differ in names or shapes");
            }
            for (Map.Entry<String, double[]> e : acc.entrySet()) {
                float[] x = update.get(e.getKey()).data();
                double[] a = e.getValue();
                for (int i = 0; i < a.length; i++) {
                    a[i] += weight * x[i];
                }
            }
            total += weight;
            count++;
        }

        /** Updates added so far. */
        public int count() {
            return count;
        }

        /** The weighted average of what was added. */
        public NamedTensors average() {
            if (count == 0) {
                throw new IllegalArgumentException("nothing to aggregate");
            }
            NamedTensors out = new NamedTensors();
            for (Map.Entry<String, double[]> e : acc.entrySet()) {
                double[] a = e.getValue();
                float[] avg = new float[a.length];
                for (int i = 0; i < a.length; i++) {
                    avg[i] = (float) (a[i] / total);
                }
                out.put(e.getKey(), new FloatTensor(layout.get(e.getKey()).shape(), avg));
            }
            return out;
        }
    }
}
