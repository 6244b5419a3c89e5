package io.cgfed.coordinator.round;

import io.cgfed.coordinator.experiment.Experiment;
import io.cgfed.coordinator.experiment.ExperimentRepository;
import io.cgfed.coordinator.experiment.ExperimentService;
import io.cgfed.coordinator.experiment.ExperimentStatus;
import io.cgfed.coordinator.metrics.CoordinatorMetrics;
import io.cgfed.coordinator.remote.RegistrySync;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.coordinator.task.TaskStatus;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import io.cgfed.service.support.LogContext;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/** After aggregation: the evaluation's deadline (EVALUATING), then the next round or the experiment's end (CLOSED). */
@Component
class RoundAdvance {
    private static final Logger log = LoggerFactory.getLogger(RoundAdvance.class);
    private final ExperimentRepository experiments;
    private final ExperimentService experimentService;
    private final RoundRepository rounds;
    private final TaskRepository tasks;
    private final ClientAssignments assignments;
    private final RegistrySync registry;
    private final CoordinatorMetrics metrics;
    private final RoundFailure failure;

    RoundAdvance(ExperimentRepository experiments, ExperimentService experimentService, RoundRepository rounds,
                 TaskRepository tasks, ClientAssignments assignments, RegistrySync registry,
                 CoordinatorMetrics metrics, RoundFailure failure) {
        this.experiments = experiments;
        this.experimentService = experimentService;
        this.rounds = rounds;
        this.tasks = tasks;
        this.assignments = assignments;
        this.registry = registry;
        this.metrics = metrics;
        this.failure = failure;
    }

    /** An evaluation gets the round deadline's length again, counted from aggregation. */
    void checkEvaluation(UUID experimentId, int roundNo, int deadlineSeconds) {
        Round round = rounds.lock(experimentId, roundNo).orElseThrow();
        if (round.getStatus() != RoundStatus.EVALUATING) {
            return;
        }
        Experiment e = experiments.findById(experimentId).orElseThrow();
        if (e.getStatus() != ExperimentStatus.RUNNING) {
            return; // cancelled (or finished) since this step began: its tasks were withdrawn on purpose
        }
        String failed = tasks.findByExperimentIdAndRoundAndType(experimentId, roundNo, TaskType.EVALUATE).stream()
                .filter(t -> t.getStatus() == TaskStatus.FAILED).map(t -> String.valueOf(t.getFailureReason()))
                .findFirst().orElse(null);
        Instant since = round.getAggregatedAt() != null ? round.getAggregatedAt() : round.getOpenedAt();
        String reason = new EvaluationDecision(failed, since, deadlineSeconds, Instant.now()).failure(roundNo);
        if (reason != null) {
            failure.fail(e, round, reason);
        }
    }

    /** After a closed round: open the next one, or complete the experiment. */
    void next(UUID experimentId, int closedRound) {
        Experiment e = experiments.lock(experimentId).orElseThrow();
        if (e.getStatus() != ExperimentStatus.RUNNING || e.getCurrentRound() != closedRound) {
            return;
        }
        ExperimentSpec spec = experimentService.spec(e);
        Instant now = Instant.now();
        registry.afterCommit(experimentId);
        if (closedRound >= spec.rounds()) {
            e.finish(ExperimentStatus.COMPLETED, null, now);
            // tasks claimed by workers that never reported (dead, or still on a closed round) end with it
            for (Task t : tasks.findByExperimentIdAndStatusIn(experimentId, List.of(TaskStatus.PENDING, TaskStatus.ASSIGNED))) {
                t.cancel(now);
            }
            log.info("experiment {} completed after {} rounds", experimentId, closedRound);
            return;
        }
        int roundNo = closedRound + 1;
        List<Integer> selected = RoundPlan.selectClients(spec, roundNo);
        Round opened = new Round(experimentId, roundNo, RoundStatus.OPEN, selected.size(), now,
                now.plusSeconds(spec.roundDeadlineSeconds()));
        boolean secure = spec.secureAggregation().enabled();
        if (secure) {
            // secure aggregation: the round starts with the clients' keys; training comes in its third stage
            opened.secaggStage(io.cgfed.coordinator.secagg.SecAggStage.ADVERTISE.name(), opened.getDeadlineAt());
        }
        rounds.save(opened);
        boolean contribute = RoundPlan.contributes(spec, roundNo);
        for (int client : selected) {
            tasks.save(new Task(experimentId, roundNo, client, secure ? TaskType.SECAGG_ADVERTISE : TaskType.TRAIN,
                    assignments.workerOf(experimentId, client), closedRound, e.getCodecVersion(), contribute, now));
        }
        e.advanceTo(roundNo);
        metrics.roundOpened();
        MDC.put(LogContext.ROUND, Integer.toString(roundNo));
        log.info("experiment {} round {} open: clients {}", experimentId, roundNo, selected);
    }
}
