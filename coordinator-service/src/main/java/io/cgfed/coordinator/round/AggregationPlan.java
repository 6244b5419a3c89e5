package io.cgfed.coordinator.round;

import io.cgfed.coordinator.experiment.ExperimentStatus;
import io.cgfed.coordinator.upload.Upload;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What closing an AGGREGATING round does with its uploads, decided without a database or a network (like
 * {@link CollectionDecision}): which updates go into the average and which are quarantined, with the reason
 * ({@link UpdateQuarantine}); the per-client sample cap ({@link WeightCap}); the round's summary (samples,
 * bytes, the sample-weighted train loss); the client that evaluates; and, once the codec-service has answered,
 * whether the result may still be applied ({@link #whyNotApply}). {@link RoundCloser} is the shell: it loads
 * the uploads, asks the plan, calls the codec-service with the included updates and applies the plan in one
 * transaction.
 *
 * @param all              every accepted upload of the round, by client index
 * @param included         those that go into the average
 * @param quarantined      the reason each left-out update is left out, by client
 * @param maxClientSamples the weight cap: no client counts for more samples than this
 */
record AggregationPlan(List<Upload> all, List<Upload> included, Map<Integer, String> quarantined,
                       long maxClientSamples) {

    static AggregationPlan of(List<Upload> all, UpdateQuarantine quarantine, WeightCap cap) {
        Map<Integer, Double> norms = new LinkedHashMap<>();
        all.forEach(u -> norms.put(u.getClientIndex(), u.getUpdateNorm()));
        Map<Integer, String> quarantined = quarantine.reasons(norms);
        List<Upload> included = all.stream().filter(u -> !quarantined.containsKey(u.getClientIndex())).toList();
        long maxClientSamples = cap.samplesCap(included.stream().mapToLong(Upload::getSamples).toArray());
        return new AggregationPlan(List.copyOf(all), included, Collections.unmodifiableMap(quarantined), maxClientSamples);
    }

    /** No update goes in (none arrived, or all were quarantined): the adapter stays as it was. */
    boolean keepsAdapter() {
        return included.isEmpty();
    }

    long samples() {
        return included.stream().mapToLong(Upload::getSamples).sum();
    }

    long wireBytes() {
        return included.stream().mapToLong(Upload::getWireBytes).sum();
    }

    long rawBytes() {
        return included.stream().mapToLong(Upload::getRawBytes).sum();
    }

    /** The included clients' train loss weighted by their samples, or null when none reported one. */
    Double trainLoss() {
        double sum = 0;
        long weight = 0;
        for (Upload u : included) {
            if (u.getTrainLoss() != null) {
                sum += u.getTrainLoss() * u.getSamples();
                weight += u.getSamples();
            }
        }
        return weight == 0 ? null : sum / weight;
    }

    /** The client that evaluates the new adapter: the first that uploaded (client 0 when none did). */
    int evaluator() {
        return all.isEmpty() ? 0 : all.get(0).getClientIndex();
    }

    /**
     * Why the codec-service's answer must not be applied, or null when it must: the round left AGGREGATING
     * (another call applied it first), or the experiment stopped running while the codec-service worked (no
     * adapter, no evaluation task then).
     */
    static String whyNotApply(RoundStatus round, ExperimentStatus experiment) {
        if (round != RoundStatus.AGGREGATING) {
            return "the round is " + round + ", already aggregated";
        }
        if (experiment != ExperimentStatus.RUNNING) {
            return "the experiment is " + experiment;
        }
        return null;
    }
}
