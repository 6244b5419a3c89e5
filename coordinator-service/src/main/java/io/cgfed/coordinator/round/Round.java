package io.cgfed.coordinator.round;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * Longer than the project's 300 lines because a JPA entity keeps its mapped columns and their accessors
 * together, and this one maps 29 columns; what is not stored state has moved out: the derived phase times
 * ({@link RoundPhases}) and which status moves are legal ({@link RoundStatus#moveTo}). One round of an
 * experiment (table {@code rounds}): its status changes only through the methods that end a phase.
 */
@Entity
@Table(name = "rounds")
@IdClass(RoundKey.class)
public class Round {
    @Id
    @Column(name = "experiment_id")
    private UUID experimentId;
    @Id
    private int round;
    @Enumerated(EnumType.STRING)
    private RoundStatus status;
    private int selected;
    @Column(name = "opened_at")
    private Instant openedAt;
    @Column(name = "deadline_at")
    private Instant deadlineAt;
    @Column(name = "aggregated_at")
    private Instant aggregatedAt;
    @Column(name = "closed_at")
    private Instant closedAt;
    private int uploads;
    @Column(name = "train_loss")
    private Double trainLoss;
    @Column(name = "eval_loss")
    private Double evalLoss;
    private Double perplexity;
    private Double accuracy;
    @Column(name = "accuracy_by_category")
    private String accuracyByCategory;
    @Column(name = "examples_by_category")
    private String examplesByCategory;
    @Column(name = "upload_bytes")
    private long uploadBytes;
    @Column(name = "raw_update_bytes")
    private long rawUpdateBytes;
    @Column(name = "client_metrics")
    private String clientMetrics;
    @Column(name = "codec_version")
    private Integer codecVersion;
    @Column(name = "next_codec_version")
    private Integer nextCodecVersion;
    @Column(name = "aggregate_cosine")
    private Double aggregateCosine;
    @Column(name = "audited_updates")
    private Integer auditedUpdates;
    /** Secure aggregation: the SecAgg+ stage the round is in (ADVERTISE, SHARE, MASKED_INPUT, UNMASK, DONE); null without. */
    @Column(name = "secagg_stage")
    private String secaggStage;
    /** Audit mode: cosine of the weight change the round applied to the exact mean of the clients' weight changes. */
    @Column(name = "aggregate_delta_w_cosine")
    private Double aggregateDeltaWCosine;
    /** How many times this round was re-opened below its quorum. */
    private int attempt;
    /** Codec-service calls that failed in a row while closing this round (TGAP training, aggregation, FAF). */
    @Column(name = "failed_calls")
    private int failedCalls;
    /** No new close attempt before this instant (exponential backoff after failed calls). */
    @Column(name = "retry_at")
    private Instant retryAt;
    @Column(name = "last_error")
    private String lastError;
    /** When the round stopped taking uploads (or TGAP collections): the end of its collecting phase. */
    @Column(name = "uploads_closed_at")
    private Instant uploadsClosedAt;
    /** The successful aggregation: decoding, FedAvg and storing the new adapter. */
    @Column(name = "aggregation_ms")
    private Long aggregationMs;
    /** The codec's work in this round: FAF refit or adaptation (TGAP training: from the timestamps). */
    @Column(name = "codec_ms")
    private Long codecMs;

    protected Round() {
    }

    public Round(UUID experimentId, int round, RoundStatus status, int selected, Instant openedAt, Instant deadlineAt) {
        if (!RoundStatus.startsAs(status, round)) {
            throw new IllegalArgumentException("round " + round + " cannot start " + status);
        }
        this.experimentId = experimentId;
        this.round = round;
        this.status = status;
        this.selected = selected;
        this.openedAt = openedAt;
        this.deadlineAt = deadlineAt;
    }

    public void aggregated(int uploads, long uploadBytes, long rawUpdateBytes, Double trainLoss, String clientMetrics,
                           Instant now) {
        this.uploads = uploads;
        this.uploadBytes = uploadBytes;
        this.rawUpdateBytes = rawUpdateBytes;
        this.trainLoss = trainLoss;
        this.clientMetrics = clientMetrics;
        this.aggregatedAt = now;
        moveTo(RoundStatus.EVALUATING);
        callSucceeded();
    }

    /** The one way {@code status} changes: a move {@link RoundStatus#mayMoveTo} does not allow is refused. */
    private void moveTo(RoundStatus next) {
        this.status = status.moveTo(next, "round " + round + " of experiment " + experimentId);
    }

    public String getSecaggStage() {
        return secaggStage;
    }

    /** Secure aggregation: the round moves to {@code stage}, whose tasks have until {@code deadline}. */
    public void secaggStage(String stage, Instant deadline) {
        if (status != RoundStatus.OPEN) {
            throw new IllegalStateException("round " + round + " of experiment " + experimentId + " is " + status
                    + ": only an open round runs secure aggregation stages");
        }
        this.secaggStage = stage;
        this.deadlineAt = deadline;
    }

    /** Below quorum at the deadline, with retries left: open again until {@code deadline}. */
    public void reopen(Instant deadline) {
        if (!status.collects()) {
            throw new IllegalStateException("round " + round + " of experiment " + experimentId + " is " + status
                    + ": only a round that collects re-opens");
        }
        this.attempt++;
        this.deadlineAt = deadline;
    }

    /** A codec-service call failed: no new attempt before {@code retryAt}. */
    public void callFailed(String error, Instant retryAt) {
        this.failedCalls++;
        this.retryAt = retryAt;
        this.lastError = error == null ? null : error.substring(0, Math.min(error.length(), 2000));
    }

    public void callSucceeded() {
        this.failedCalls = 0;
        this.retryAt = null;
        this.lastError = null;
    }

    /** Whether a close attempt may run now, or the round is waiting out its backoff. */
    public boolean mayRetry(Instant now) {
        return retryAt == null || !now.isBefore(retryAt);
    }

    public int getAttempt() {
        return attempt;
    }

    public int getFailedCalls() {
        return failedCalls;
    }

    public Instant getRetryAt() {
        return retryAt;
    }

    public String getLastError() {
        return lastError;
    }

    /** accuracy: null for data without options (instruction data: loss and perplexity only). */
    public void evaluated(double evalLoss, double perplexity, Double accuracy, String accuracyByCategory,
                          String examplesByCategory, Instant now) {
        this.examplesByCategory = examplesByCategory;
        this.evalLoss = evalLoss;
        this.perplexity = perplexity;
        this.accuracy = accuracy;
        this.accuracyByCategory = accuracyByCategory;
        moveTo(RoundStatus.CLOSED);
        this.closedAt = now;
    }

    public void fail(Instant now) {
        moveTo(RoundStatus.FAILED);
        this.closedAt = now;
    }

    /** TGAP: the snapshots are in; codec version 1 is being trained. */
    public void markTrainingCodec(Instant now) {
        moveTo(RoundStatus.TRAINING_CODEC);
        this.uploadsClosedAt = now;
    }

    /** TGAP is done: round 0 evaluates the initial adapter, as without a learned codec. */
    public void codecTrained(Instant now) {
        moveTo(RoundStatus.EVALUATING);
        this.aggregatedAt = now;
        callSucceeded();
    }

    /** The codec version this round's updates used, and the one FAF published from them (or null). */
    public void codec(Integer version, Integer nextVersion) {
        this.codecVersion = version;
        this.nextCodecVersion = nextVersion;
    }

    /** Audit mode: cosine of the aggregated reconstruction against the aggregate of the raw updates. */
    public void audited(Double aggregateCosine, int updates, Double aggregateDeltaWCosine) {
        this.aggregateCosine = aggregateCosine;
        this.aggregateDeltaWCosine = aggregateDeltaWCosine;
        this.auditedUpdates = updates;
    }

    public Integer getCodecVersion() {
        return codecVersion;
    }

    public Integer getNextCodecVersion() {
        return nextCodecVersion;
    }

    public Double getAggregateCosine() {
        return aggregateCosine;
    }

    public Double getAggregateDeltaWCosine() {
        return aggregateDeltaWCosine;
    }

    public Integer getAuditedUpdates() {
        return auditedUpdates;
    }

    public void markAggregating(Instant now) {
        moveTo(RoundStatus.AGGREGATING);
        this.uploadsClosedAt = now;
    }

    /** How long the aggregation and the codec's refit (null: none) of the successful close took. */
    public void phaseTimes(long aggregationMs, Long codecMs) {
        this.aggregationMs = aggregationMs;
        this.codecMs = codecMs;
    }

    public Instant getUploadsClosedAt() {
        return uploadsClosedAt;
    }

    public Long getAggregationMs() {
        return aggregationMs;
    }

    public Long getCodecMs() {
        return codecMs;
    }

    /** Milliseconds per phase, every key present (null where the round had no such phase): {@link RoundPhases}. */
    public java.util.Map<String, Long> phases() {
        return RoundPhases.of(this).asMap();
    }

    public UUID getExperimentId() {
        return experimentId;
    }

    public int getRound() {
        return round;
    }

    public RoundStatus getStatus() {
        return status;
    }

    public int getSelected() {
        return selected;
    }

    public Instant getOpenedAt() {
        return openedAt;
    }

    public Instant getDeadlineAt() {
        return deadlineAt;
    }

    public Instant getAggregatedAt() {
        return aggregatedAt;
    }

    public Instant getClosedAt() {
        return closedAt;
    }

    public int getUploads() {
        return uploads;
    }

    public Double getTrainLoss() {
        return trainLoss;
    }

    public Double getEvalLoss() {
        return evalLoss;
    }

    public Double getPerplexity() {
        return perplexity;
    }

    public Double getAccuracy() {
        return accuracy;
    }

    public String getAccuracyByCategory() {
        return accuracyByCategory;
    }

    public String getExamplesByCategory() {
        return examplesByCategory;
    }

    public long getUploadBytes() {
        return uploadBytes;
    }

    public long getRawUpdateBytes() {
        return rawUpdateBytes;
    }

    public String getClientMetrics() {
        return clientMetrics;
    }
}
