package io.cgfed.coordinator.experiment;

import io.cgfed.core.protocol.ExperimentSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An experiment as the API shows it: status, progress, and a summary of every round so far.
 * codecVersion: the learned codec's version new tasks use (0 for other codecs); audit: raw updates
 * were uploaded for measurement (never for private data).
 */
public record ExperimentView(UUID id, String name, ExperimentStatus status, int currentRound, int rounds,
                             String codec, int codecVersion, boolean audit, String failureReason, Instant createdAt, Instant startedAt,
                             Instant finishedAt, ExperimentSpec spec, List<RoundSummary> roundSummaries,
                             List<AdapterSummary> adapterVersions) {

    /**
     * One round's outcome. Round 0 evaluates the initial adapter (the baseline). cevalTable: the
     * accuracies as the C-Eval-style Markdown table (groups, both averages), when the evaluation
     * reported them by category. codecVersion: the learned codec version its updates used;
     * nextCodecVersion: the version FAF published from its contributions; aggregateCosine (audit mode):
     * cosine between the aggregate of the reconstructions and that of the raw updates; aggregateDeltaWCosine
     * (audit mode): cosine of the weight change the round applied to the exact mean of the clients' weight
     * changes (codec and aggregation error together). phases: milliseconds
     * per phase so far (collectingMs, aggregationMs, codecTrainingMs, evaluationMs, totalMs; null where
     * the round has not had that phase).
     */
    public record RoundSummary(int round, String status, int selected, int uploads, Double trainLoss, Double evalLoss,
                               Double perplexity, Double accuracy, Map<String, Double> accuracyByCategory,
                               long uploadBytes, long rawUpdateBytes, Long durationMs, String cevalTable,
                               Integer codecVersion, Integer nextCodecVersion, Double aggregateCosine,
                               Double aggregateDeltaWCosine, Integer auditedUpdates, Map<String, Long> phases) {
    }

    public record AdapterSummary(int version, String sha256, long bytes, Instant createdAt) {
    }
}
