package io.cgfed.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.coordinator.CoordinatorProperties;
import io.cgfed.coordinator.experiment.ExperimentStatus;
import io.cgfed.coordinator.upload.Upload;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The aggregation's decisions without a database, a codec-service or Spring: they run in milliseconds. */
class AggregationPlanTest {
    private static final UUID EXPERIMENT = UUID.randomUUID();
    private static final UpdateQuarantine QUARANTINE = new UpdateQuarantine(10.0, 0.0);
    private static final WeightCap NO_CAP = new WeightCap(1.0);

    private static Upload upload(int client, long samples, Double loss, Double norm) {
        return new Upload(EXPERIMENT, 1, client, UUID.randomUUID(), UUID.randomUUID(), "blob-" + client, "sha",
                100 + client, 1000 + client, samples, loss, "{}", Instant.EPOCH, norm);
    }

    @Test
    void everyHonestUpdateGoesInWithTheSummaryWeightedBySamples() {
        List<Upload> all = List.of(upload(2, 100, 1.0, 1.0), upload(0, 300, 2.0, 1.1), upload(1, 100, null, 0.9));
        AggregationPlan plan = AggregationPlan.of(all, QUARANTINE, NO_CAP);
        assertThat(plan.included()).extracting(Upload::getClientIndex).containsExactly(2, 0, 1);
        assertThat(plan.quarantined()).isEmpty();
        assertThat(plan.keepsAdapter()).isFalse();
        assertThat(plan.samples()).isEqualTo(500);
        assertThat(plan.wireBytes()).isEqualTo(102 + 100 + 101);
        assertThat(plan.rawBytes()).isEqualTo(1002 + 1000 + 1001);
        // the client without a loss does not count towards it: (1.0 x 100 + 2.0 x 300) / 400
        assertThat(plan.trainLoss()).isEqualTo(1.75);
        assertThat(plan.evaluator()).as("the first that uploaded").isEqualTo(2);
        assertThat(plan.maxClientSamples()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void anUpdateOfAbsurdNormIsQuarantinedWithItsReasonAndLeftOutOfEverySum() {
        List<Upload> all = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            all.add(upload(c, 100, 1.0, 1.0 + c / 100.0));
        }
        all.add(upload(4, 100, 50.0, 60_000.0));
        AggregationPlan plan = AggregationPlan.of(all, QUARANTINE, NO_CAP);
        assertThat(plan.included()).extracting(Upload::getClientIndex).containsExactly(0, 1, 2, 3);
        assertThat(plan.quarantined()).containsOnlyKeys(4);
        assertThat(plan.quarantined().get(4)).contains("norm");
        assertThat(plan.samples()).isEqualTo(400);
        assertThat(plan.trainLoss()).isEqualTo(1.0);
        assertThat(plan.all()).hasSize(5);
    }

    @Test
    void theWeightCapIsComputedOverTheIncludedUpdatesOnly() {
        List<Upload> all = List.of(upload(0, 100, null, 1.0), upload(1, 100, null, 1.0), upload(2, 10_000, null, 1.0));
        AggregationPlan plan = AggregationPlan.of(all, QUARANTINE, new WeightCap(0.5));
        assertThat(plan.maxClientSamples()).isLessThan(10_000);
        double capped = Math.min(10_000, plan.maxClientSamples());
        assertThat(capped / (capped + 200)).isLessThanOrEqualTo(0.5 + 1e-9);
    }

    @Test
    void noUploadOrEveryUpdateQuarantinedKeepsTheAdapterAndClientZeroEvaluates() {
        AggregationPlan none = AggregationPlan.of(List.of(), QUARANTINE, NO_CAP);
        assertThat(none.keepsAdapter()).isTrue();
        assertThat(none.trainLoss()).isNull();
        assertThat(none.evaluator()).isZero();
        AggregationPlan capped = AggregationPlan.of(List.of(upload(3, 100, 1.0, 5.0), upload(1, 100, 1.0, 5.0)),
                new UpdateQuarantine(10.0, 1.0), NO_CAP);
        assertThat(capped.keepsAdapter()).isTrue();
        assertThat(capped.quarantined()).containsOnlyKeys(3, 1);
        assertThat(capped.evaluator()).as("an evaluation is still asked of a client that uploaded").isEqualTo(3);
    }

    @Test
    void theAnswerIsAppliedOnlyToARoundStillAggregatingOfARunningExperiment() {
        assertThat(AggregationPlan.whyNotApply(RoundStatus.AGGREGATING, ExperimentStatus.RUNNING)).isNull();
        for (RoundStatus s : RoundStatus.values()) {
            if (s != RoundStatus.AGGREGATING) {
                assertThat(AggregationPlan.whyNotApply(s, ExperimentStatus.RUNNING)).as("round %s", s).contains(s.name());
            }
        }
        for (ExperimentStatus e : List.of(ExperimentStatus.CANCELLED, ExperimentStatus.FAILED, ExperimentStatus.COMPLETED)) {
            assertThat(AggregationPlan.whyNotApply(RoundStatus.AGGREGATING, e)).as("experiment %s", e).contains(e.name());
        }
    }

    /** A dead codec-service: the round waits 1, 2, 4, ... s between attempts, never more than the maximum. */
    @Test
    void aFailingCodecServiceIsRetriedWithDoublingWaitsUpToTheMaximum() {
        CoordinatorProperties p = new CoordinatorProperties(Path.of("blobs"), "http://codec", "http://registry",
                Duration.ofSeconds(1), Duration.ofSeconds(20), Duration.ofSeconds(60), null, null, null,
                Duration.ofSeconds(1), Duration.ofSeconds(10), null, null, null, null, null, null, null, null);
        assertThat(List.of(1, 2, 3, 4, 5, 30).stream().map(p::codecRetryDelay).toList()).containsExactly(
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
                Duration.ofSeconds(10), Duration.ofSeconds(10));
    }
}
