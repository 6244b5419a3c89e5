package io.cgfed.core.aggregation;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.List;

/**
 * The updates of a round held whole, flattened, for the rules that look at all of them at once (median,
 * trimmed mean, Krum): n updates of P values each are n x P floats in memory.
 */
final class HeldUpdates {
    /** A round's combiner for a rule that looks at all the updates at once: it holds them, then combines. */
    static AggregationRule.Combiner combiner(java.util.function.Function<HeldUpdates, AggregationRule.Combined> combine) {
        HeldUpdates held = new HeldUpdates();
        return new AggregationRule.Combiner() {
            @Override
            public void add(int client, NamedTensors update, double weight) {
                held.add(client, update, weight);
            }

            @Override
            public AggregationRule.Combined result() {
                held.requireAny();
                return combine.apply(held);
            }
        };
    }

    private NamedTensors layout;
    private final List<float[]> values = new ArrayList<>();
    private final List<Integer> clients = new ArrayList<>();
    private final List<Double> weights = new ArrayList<>();

    void add(int client, NamedTensors update, double weight) {
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("update weight must be positive and finite");
        }
        if (layout == null) {
            layout = update;
        } else if (!update.sameLayout(layout)) {
            throw new IllegalArgumentException("updates differ in names or shapes");
        }
        values.add(update.flatten());
        clients.add(client);
        weights.add(weight);
    }

    int size() {
        return values.size();
    }

    float[] values(int i) {
        return values.get(i);
    }

    int client(int i) {
        return clients.get(i);
    }

    double weight(int i) {
        return weights.get(i);
    }

    int length() {
        return values.isEmpty() ? 0 : values.get(0).length;
    }

    void requireAny() {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("nothing to aggregate");
        }
    }

    /** A flat vector back in the round's layout (names and shapes in order). */
    NamedTensors unflatten(float[] flat) {
        NamedTensors out = new NamedTensors();
        int offset = 0;
        for (String name : layout.names()) {
            FloatTensor t = layout.get(name);
            float[] part = new float[t.size()];
            System.arraycopy(flat, offset, part, 0, part.length);
            offset += part.length;
            out.put(name, new FloatTensor(t.shape(), part));
        }
        return out;
    }
}
