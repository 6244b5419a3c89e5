package io.cgfed.coordinator.round;

import io.cgfed.coordinator.experiment.Experiment;
import io.cgfed.coordinator.experiment.ExperimentRepository;
import io.cgfed.coordinator.experiment.ExperimentService;
import io.cgfed.coordinator.experiment.ExperimentStatus;
import io.cgfed.coordinator.metrics.CoordinatorMetrics;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.coordinator.upload.UploadRepository;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A round that collects: TGAP's snapshots in round 0 (COLLECTING), a round's updates (OPEN). Loads the counts and
 * the clock, asks {@link CollectionDecision}, and applies its answer in the caller's transaction: close (open
 * tasks cancelled as too late), re-open for the clients that did not deliver, or fail.
 */
@Component
class CollectPhase {
    private static final Logger log = LoggerFactory.getLogger(CollectPhase.class);
    private final RoundRepository rounds;
    private final ExperimentRepository experiments;
    private final ExperimentService experimentService;
    private final io.cgfed.coordinator.attachment.AttachmentRepository attachments;
    private final TaskRepository tasks;
    private final UploadRepository uploads;
    private final TaskReassigner reassigner;
    private final CoordinatorMetrics metrics;
    private final RoundFailure failure;
    private final SecAggPhase secure;

    CollectPhase(RoundRepository rounds, ExperimentRepository experiments, ExperimentService experimentService,
                 io.cgfed.coordinator.attachment.AttachmentRepository attachments, TaskRepository tasks,
                 UploadRepository uploads, TaskReassigner reassigner, CoordinatorMetrics metrics,
                 RoundFailure failure, SecAggPhase secure) {
        this.secure = secure;
        this.rounds = rounds;
        this.experiments = experiments;
        this.experimentService = experimentService;
        this.attachments = attachments;
        this.tasks = tasks;
        this.uploads = uploads;
        this.reassigner = reassigner;
        this.metrics = metrics;
        this.failure = failure;
    }

    /** TGAP collection: on to codec training once every client (or a quorum by the deadline) has uploaded. */
    void checkCollection(UUID experimentId) {
        check(experimentId, 0, RoundStatus.COLLECTING);
    }

    /** A training round: on to aggregation once every client, or a quorum by the rules of the spec, has uploaded. */
    void checkOpenRound(UUID experimentId, int roundNo) {
        check(experimentId, roundNo, RoundStatus.OPEN);
    }

    /** The one step of both: the round locked, what it has received counted, the decision applied. */
    private void check(UUID experimentId, int roundNo, RoundStatus collecting) {
        Round round = rounds.lock(experimentId, roundNo).orElseThrow();
        if (round.getStatus() != collecting) {
            return;
        }
        Experiment e = experiments.findById(experimentId).orElseThrow();
        if (e.getStatus() != ExperimentStatus.RUNNING) {
            return; // cancelled (or finished) since this step began: its tasks were withdrawn on purpose
        }
        ExperimentSpec spec = experimentService.spec(e);
        boolean tgap = collecting == RoundStatus.COLLECTING;
        if (!tgap && spec.secureAggregation().enabled()) {
            secure.check(round, e, spec, Instant.now()); // its stages, not uploads
            return;
        }
        TaskType type = tgap ? TaskType.COLLECT : TaskType.TRAIN;
        long received = tgap ? attachments.countByExperimentIdAndRoundAndKind(experimentId, 0,
                io.cgfed.coordinator.attachment.AttachmentKind.COLLECTION)
                : uploads.countByExperimentIdAndRound(experimentId, roundNo);
        List<Task> issued = tasks.findByExperimentIdAndRoundAndType(experimentId, roundNo, type);
        Instant now = Instant.now();
        CollectionDecision decision = collection(round, spec, received, issued, !tgap && spec.closeAtQuorum(), now);
        switch (decision.next()) {
            case CLOSE -> {
                if (tgap) {
                    round.markTrainingCodec(now);
                    log.info("experiment {}: TGAP collections from {} of {} clients, training codec version 1",
                            experimentId, received, round.getSelected());
                } else {
                    round.markAggregating(now);
                    log.info("experiment {} round {}: {} of {} uploads, aggregating", experimentId, roundNo, received,
                            round.getSelected());
                }
                // over-selection: the clients still at work are too late; what they send will be refused
                cancelOpen(issued, (tgap ? "TGAP collection" : "round " + roundNo) + " closed with " + received
                        + (tgap ? " collections" : " uploads"), now);
            }
            case RETRY, FAIL -> retryOrFail(spec, e, round, issued, type, decision, (tgap ? "TGAP collection" : "round "
                    + roundNo) + " got " + received + " of the " + spec.quorum()
                    + (tgap ? " client collections" : " uploads") + " it needs"
                    + (decision.pastDeadline() ? " by its deadline" : ""), now);
            case WAIT -> { }
        }
    }

    /** What {@link CollectionDecision} needs to know of a collecting round, read from its tasks and the clock. */
    private static CollectionDecision collection(Round round, ExperimentSpec spec, long received, List<Task> issued,
                                                 boolean closeAtQuorum, Instant now) {
        return new CollectionDecision(received, round.getSelected(), spec.quorum(), closeAtQuorum,
                issued.stream().noneMatch(Task::isOpen), now.isAfter(round.getDeadlineAt()), round.getAttempt(),
                spec.roundRetries());
    }

    private void retryOrFail(ExperimentSpec spec, Experiment e, Round round, List<Task> issued, TaskType type,
                             CollectionDecision decision, String shortfall, Instant now) {
        if (decision.next() == CollectionDecision.Next.RETRY) {
            retry(spec, round, issued, type, shortfall, now);
        } else {
            failure.fail(e, round, shortfall);
        }
    }

    /**
     * A round below its quorum with retries left ({@code roundRetries}) opens again with a new deadline:
     * what arrived stays, the clients that did not deliver get new tasks (with live workers).
     */
    private void retry(ExperimentSpec spec, Round round, List<Task> issued, TaskType type, String shortfall,
                       Instant now) {
        Set<Integer> delivered = new HashSet<>();
        if (type == TaskType.COLLECT) {
            attachments.findByExperimentIdAndRoundAndKindOrderByClientIndex(round.getExperimentId(), round.getRound(),
                    io.cgfed.coordinator.attachment.AttachmentKind.COLLECTION).forEach(a -> delivered.add(a.getClientIndex()));
        } else {
            uploads.findByExperimentIdAndRoundOrderByClientIndex(round.getExperimentId(), round.getRound())
                    .forEach(u -> delivered.add(u.getClientIndex()));
        }
        java.util.SortedSet<Integer> missing = new java.util.TreeSet<>();
        issued.forEach(t -> missing.add(t.getClientIndex()));
        missing.removeAll(delivered);
        reassigner.reissue(round.getExperimentId(), round.getRound(), type, missing, now);
        round.reopen(now.plusSeconds(spec.roundDeadlineSeconds()));
        metrics.roundRetried();
        log.warn("{}; re-opened (retry {} of {}) for clients {} until {}", shortfall, round.getAttempt(),
                spec.roundRetries(), missing, round.getDeadlineAt());
    }

    /** Tasks that can no longer count (their round moved on) are cancelled, so no worker starts them. */
    private static void cancelOpen(List<Task> issued, String reason, Instant now) {
        for (Task t : issued) {
            if (t.isOpen()) {
                t.cancel(reason, now);
            }
        }
    }
}
