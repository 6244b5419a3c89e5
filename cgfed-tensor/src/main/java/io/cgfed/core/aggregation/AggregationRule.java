package io.cgfed.core.aggregation;

import io.cgfed.core.tensor.NamedTensors;
import java.util.Map;

/**
 * How the decoded updates of a round combine into one update: the first half of a {@link Strategy} (the
 * second is its {@link ServerOptimizer}). A streaming rule (the weighted mean) takes one update at a time and
 * holds only its sum; the robust rules (median, trimmed mean, Krum) hold every update of the round, which they
 * must: each looks at all of them at once.
 */
public interface AggregationRule {
    String name();

    /** Whether updates are combined one at a time as they arrive; false: the rule holds the round's updates. */
    boolean streaming();

    /** A combiner for one round. */
    Combiner start();

    /** Whether the rule combines against the round's global adapter ({@link #start(NamedTensors)}): lora-svd. */
    default boolean needsGlobal() {
        return false;
    }

    /** A combiner for one round that starts from the round's global adapter; a rule that needs none ignores it. */
    default Combiner start(NamedTensors global) {
        return start();
    }

    /** One round's combination in progress. */
    interface Combiner {
        /** Adds a client's update with its weight (its training samples, after the coordinator's cap). */
        void add(int client, NamedTensors update, double weight);

        /** The combined update, with what the rule did (for Krum: the chosen clients). */
        Combined result();
    }

    /**
     * The combined update of a round, the number of updates that went in, and the rule's diagnostics
     * (JSON-ready values: numbers, strings, lists of numbers).
     */
    record Combined(NamedTensors update, int updates, Map<String, Object> diagnostics) {
        public Combined {
            diagnostics = Map.copyOf(diagnostics);
        }
    }

    /** The sample-weighted mean, streamed (FedAvg's combination). */
    AggregationRule MEAN = new AggregationRule() {
        @Override
        public String name() {
            return "mean";
        }

        @Override
        public boolean streaming() {
            return true;
        }

        @Override
        public Combiner start() {
            FedAvg.Sum sum = new FedAvg.Sum();
            return new Combiner() {
                @Override
                public void add(int client, NamedTensors update, double weight) {
                    sum.add(update, weight);
                }

                @Override
                public Combined result() {
                    return new Combined(sum.average(), sum.count(), Map.of());
                }
            };
        }
    };
}
