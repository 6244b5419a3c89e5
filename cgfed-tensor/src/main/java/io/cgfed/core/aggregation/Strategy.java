package io.cgfed.core.aggregation;

/**
 * A federated strategy: how a round's updates combine ({@link AggregationRule}, in the codec-service, which
 * alone can decode them) and how the combination moves the global adapter ({@link ServerOptimizer}, in the
 * coordinator, which keeps the adapter versions and stores the optimiser's state with each). Built by
 * {@link Strategies} from the spec's {@code aggregation} block.
 */
public record Strategy(String name, AggregationRule rule, ServerOptimizer optimizer) {
}
