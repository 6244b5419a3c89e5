package io.cgfed.coordinator.round;

import io.cgfed.coordinator.CoordinatorProperties;
import io.cgfed.coordinator.experiment.Experiment;
import io.cgfed.coordinator.experiment.ExperimentRepository;
import io.cgfed.coordinator.experiment.ExperimentService;
import io.cgfed.coordinator.experiment.ExperimentStatus;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.service.support.LogContext;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Moves every active experiment forward, one step per tick, from the database alone (a restarted coordinator
 * picks up where the last one stopped). It only dispatches: each status's step is a phase of its own
 * ({@link ExperimentStart}, {@link CollectPhase} with its pure {@link CollectionDecision}, {@link TgapPhase},
 * {@link RoundCloser}, {@link RoundAdvance}); a round's status moves only as {@link RoundStatus#mayMoveTo} allows.
 * Faults: a silent worker's tasks go to live workers ({@link TaskReassigner}); a failed codec-service call is
 * retried with exponential backoff. Its log lines carry the experiment and round ({@link LogContext}).
 */
@Component
public class RoundDriver {
    private static final Logger log = LoggerFactory.getLogger(RoundDriver.class);
    private final ExperimentRepository experiments;
    private final ExperimentService experimentService;
    private final RoundRepository rounds;
    private final CoordinatorProperties properties;
    private final TransactionTemplate tx;
    private final TaskReassigner reassigner;
    private final ExperimentSteps steps;
    private final ExperimentStart start;
    private final CollectPhase collect;
    private final TgapPhase tgap;
    private final RoundCloser closer;
    private final RoundAdvance advance;

    RoundDriver(ExperimentRepository experiments, ExperimentService experimentService, RoundRepository rounds,
                CoordinatorProperties properties, TransactionTemplate tx, TaskReassigner reassigner, ExperimentSteps steps,
                ExperimentStart start, CollectPhase collect, TgapPhase tgap, RoundCloser closer, RoundAdvance advance) {
        this.experiments = experiments;
        this.experimentService = experimentService;
        this.rounds = rounds;
        this.properties = properties;
        this.tx = tx;
        this.reassigner = reassigner;
        this.steps = steps;
        this.start = start;
        this.collect = collect;
        this.tgap = tgap;
        this.closer = closer;
        this.advance = advance;
    }

    /**
     * Hands each active experiment's next step to {@link ExperimentSteps}: an experiment whose step is
     * still running (a slow codec-service call, a large aggregation) is skipped this tick, and holds up
     * no other experiment.
     */
    @Scheduled(fixedDelayString = "${cgfed.coordinator.tick}")
    public void tick() {
        for (Experiment e : experiments.findByStatusInOrderByCreatedAt(
                List.of(ExperimentStatus.PENDING, ExperimentStatus.RUNNING))) {
            UUID id = e.getId();
            steps.submit(id, () -> {
                try {
                    advance(id);
                } catch (org.springframework.dao.OptimisticLockingFailureException raced) {
                    log.debug("experiment {}: changed concurrently (a cancel?); next tick sees it", id);
                } catch (RuntimeException ex) {
                    log.warn("experiment {}: could not advance: {}", id, ex.toString());
                }
            });
        }
    }

    void advance(UUID experimentId) {
        Experiment e = experimentService.find(experimentId);
        try (LogContext context = LogContext.of(experimentId, e.getCurrentRound())) {
            if (e.getStatus() == ExperimentStatus.PENDING) {
                tx.executeWithoutResult(s -> start.start(experimentId));
                return;
            }
            if (e.getStatus() != ExperimentStatus.RUNNING) {
                return;
            }
            Round round = rounds.findByExperimentIdAndRound(experimentId, e.getCurrentRound()).orElseThrow();
            ExperimentSpec spec = experimentService.spec(e);
            if ((round.getStatus().collects() || round.getStatus() == RoundStatus.EVALUATING)
                    && reassigner.anyStale(experimentId, round.getRound(), spec, Instant.now())) {
                // the round row is locked only when there is something to hand over (uploads lock it too)
                tx.executeWithoutResult(s -> reassignStaleTasks(experimentId, round.getRound(), spec));
            }
            switch (round.getStatus()) {
                case COLLECTING -> tx.executeWithoutResult(s -> collect.checkCollection(experimentId));
                case TRAINING_CODEC -> withBackoff(round, "TGAP codec training", () -> tgap.trainCodec(experimentId));
                case OPEN -> tx.executeWithoutResult(s -> collect.checkOpenRound(experimentId, round.getRound()));
                case AGGREGATING -> withBackoff(round, "aggregation",
                        () -> closer.aggregate(experimentId, round.getRound()));
                case EVALUATING -> tx.executeWithoutResult(s -> advance.checkEvaluation(experimentId, round.getRound(),
                        spec.roundDeadlineSeconds()));
                case CLOSED -> tx.executeWithoutResult(s -> advance.next(experimentId, round.getRound()));
                case FAILED -> { }
            }
        }
    }

    /** A worker killed mid-task: its open tasks of this round go to live workers (see {@link TaskReassigner}). */
    private void reassignStaleTasks(UUID experimentId, int roundNo, ExperimentSpec spec) {
        Round round = rounds.lock(experimentId, roundNo).orElseThrow();
        // a secure round's client keeps its protocol secrets on its worker: another worker cannot go on for it,
        // so its open stage task waits for the stage's deadline and the client counts as dropped out
        boolean secureStage = round.getStatus() == RoundStatus.OPEN && spec.secureAggregation().enabled();
        if (!secureStage && (round.getStatus().collects() || round.getStatus() == RoundStatus.EVALUATING)) {
            reassigner.sweep(experimentId, roundNo, spec, Instant.now());
        }
    }

    /**
     * A step that calls the codec-service (TGAP training, aggregation with FAF adaptation). When it
     * fails the round stays where it is and the next attempt waits: codec-retry-initial, doubled with
     * each failure in a row up to codec-retry-max, recorded in the round so that no tick (of this or
     * another coordinator) hammers a codec-service that is down or slow.
     */
    private void withBackoff(Round round, String what, Runnable step) {
        if (!round.mayRetry(Instant.now())) {
            return;
        }
        try {
            step.run();
        } catch (RuntimeException failed) {
            tx.executeWithoutResult(s -> {
                Round locked = rounds.lock(round.getExperimentId(), round.getRound()).orElseThrow();
                if (locked.getStatus() != round.getStatus()) {
                    return;
                }
                java.time.Duration wait = properties.codecRetryDelay(locked.getFailedCalls() + 1);
                locked.callFailed(failed.toString(), Instant.now().plus(wait));
                log.warn("{} failed ({} in a row), next attempt in {} ms: {}", what, locked.getFailedCalls(),
                        wait.toMillis(), failed.toString());
            });
        }
    }
}
