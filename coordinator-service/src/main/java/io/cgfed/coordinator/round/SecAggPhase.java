package io.cgfed.coordinator.round;

import io.cgfed.coordinator.experiment.Experiment;
import io.cgfed.coordinator.experiment.SpecRules;
import io.cgfed.coordinator.secagg.SecAggRounds;
import io.cgfed.coordinator.secagg.SecAggStage;
import io.cgfed.coordinator.secagg.SecAggStore;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.secagg.SecAggConfig;
import io.cgfed.core.secagg.SecAggException;
import io.cgfed.core.secagg.SecAggServer;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * An open round under secure aggregation, stage by stage (SecAgg+): ADVERTISE, SHARE, MASKED_INPUT (the clients'
 * training), UNMASK. A stage closes when every one of its tasks has answered or at its deadline
 * ({@code roundDeadlineSeconds} from its start); the clients that did not answer have dropped out. Closing replays
 * the stored messages into a {@code SecAggServer} ({@link SecAggRounds#replay}), closes the stage there, and gives
 * the next stage's tasks to the clients that took part; after UNMASK it unmasks the sum, decodes it to the mean of
 * the survivors' (clipped, quantised) updates, stores that, and hands the round to aggregation. Too few clients at
 * any stage fails the round with the protocol's reason. Runs in the round driver's transaction with the round
 * locked, so a coordinator restarted at any point replays the same state.
 */
@Component
class SecAggPhase {
    private static final Logger log = LoggerFactory.getLogger(SecAggPhase.class);
    private final TaskRepository tasks;
    private final SecAggRounds secagg;
    private final SecAggStore store;
    private final ClientAssignments assignments;
    private final RoundFailure failure;

    SecAggPhase(TaskRepository tasks, SecAggRounds secagg, SecAggStore store, ClientAssignments assignments,
                RoundFailure failure) {
        this.tasks = tasks;
        this.secagg = secagg;
        this.store = store;
        this.assignments = assignments;
        this.failure = failure;
    }

    void check(Round round, Experiment e, ExperimentSpec spec, Instant now) {
        SecAggStage stage = round.getSecaggStage() == null ? SecAggStage.ADVERTISE : SecAggStage.valueOf(round.getSecaggStage());
        if (stage == SecAggStage.DONE) {
            return;
        }
        UUID id = round.getExperimentId();
        int roundNo = round.getRound();
        List<Task> issued = tasks.findByExperimentIdAndRoundAndType(id, roundNo, stage.task());
        if (issued.stream().anyMatch(Task::isOpen) && !now.isAfter(round.getDeadlineAt())) {
            return;
        }
        for (Task t : issued) {
            if (t.isOpen()) {
                t.cancel("secure aggregation stage " + stage + " closed at its deadline: client " + t.getClientIndex()
                        + " dropped out", now);
            }
        }
        try {
            SecAggConfig config = secagg.config(id, roundNo, spec);
            // the masked inputs' values are read only to take the sum, after the unmasking
            SecAggServer server = secagg.replay(id, roundNo, config, stage, spec, stage == SecAggStage.UNMASK);
            if (stage == SecAggStage.UNMASK) {
                unmask(round, spec, config, server, now);
                return;
            }
            Set<Integer> took = switch (stage) {
                case ADVERTISE -> server.closeAdvertisements();
                case SHARE -> server.closeSharing();
                case MASKED_INPUT -> server.closeMaskedInputs();
                default -> throw new IllegalStateException(stage.name());
            };
            SecAggStage next = stage.next();
            for (int client : took) {
                tasks.save(new Task(id, roundNo, client, next.task(), assignments.workerOf(id, client), roundNo - 1,
                        e.getCodecVersion(), false, now));
            }
            round.secaggStage(next.name(), now.plusSeconds(spec.roundDeadlineSeconds()));
            log.info("experiment {} round {}: secure aggregation stage {} closed with clients {}; stage {}", id, roundNo,
                    stage, took, next);
        } catch (SecAggException ex) {
            failure.fail(e, round, "secure aggregation stage " + stage + ": " + ex.getMessage());
        }
    }

    private void unmask(Round round, ExperimentSpec spec, SecAggConfig config, SecAggServer server, Instant now) {
        SecAggServer.Result result = server.finish();
        int n = result.survivors().size();
        // the sum of the codes is the code of the sum
        float[] sum = SecAggRounds.code(spec, config).decodeSum(result.sum(), n);
        // the survivors' mean, each client once (secure aggregation hides the sample counts a weighted mean needs)
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= n;
        }
        NamedTensors mean = io.cgfed.core.codec.Manifests.split(sum, SpecRules.updateLayout(spec));
        store.saveResult(round.getExperimentId(), round.getRound(), SafeTensors.write(mean, io.cgfed.core.tensor.DType.F32,
                java.util.Map.of("survivors", result.survivors().toString(),
                        "droppedAfterSharing", result.droppedAfterSharing().toString())));
        round.secaggStage(SecAggStage.DONE.name(), round.getDeadlineAt());
        round.markAggregating(now);
        log.info("experiment {} round {}: secure aggregation unmasked the sum of {} clients {} (dropped after sharing: {})",
                round.getExperimentId(), round.getRound(), n, result.survivors(), result.droppedAfterSharing());
    }
}
