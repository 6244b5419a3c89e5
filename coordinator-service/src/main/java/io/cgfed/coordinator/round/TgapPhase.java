package io.cgfed.coordinator.round;

import io.cgfed.coordinator.CoordinatorProperties;
import io.cgfed.coordinator.experiment.Experiment;
import io.cgfed.coordinator.experiment.ExperimentRepository;
import io.cgfed.coordinator.experiment.ExperimentService;
import io.cgfed.coordinator.metrics.CoordinatorMetrics;
import io.cgfed.coordinator.remote.RegistrySync;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/** Round 0 of a learned codec after collection (TRAINING_CODEC): codec version 1 is trained by the codec-service. */
@Component
class TgapPhase {
    private static final Logger log = LoggerFactory.getLogger(TgapPhase.class);
    private final ExperimentRepository experiments;
    private final ExperimentService experimentService;
    private final RoundRepository rounds;
    private final TaskRepository tasks;
    private final ClientAssignments assignments;
    private final RegistrySync registry;
    private final CoordinatorMetrics metrics;
    private final CoordinatorProperties properties;
    private final TransactionTemplate tx;
    private final io.cgfed.coordinator.attachment.AttachmentRepository attachments;
    private final io.cgfed.coordinator.remote.CodecServiceClient codecService;
    private final io.cgfed.coordinator.blob.BlobStore blobs;
    private final RoundFailure failure;

    TgapPhase(ExperimentRepository experiments, ExperimentService experimentService, RoundRepository rounds,
              TaskRepository tasks, ClientAssignments assignments, RegistrySync registry, CoordinatorMetrics metrics,
              CoordinatorProperties properties, TransactionTemplate tx,
              io.cgfed.coordinator.attachment.AttachmentRepository attachments,
              io.cgfed.coordinator.remote.CodecServiceClient codecService, io.cgfed.coordinator.blob.BlobStore blobs,
              RoundFailure failure) {
        this.experiments = experiments;
        this.experimentService = experimentService;
        this.rounds = rounds;
        this.tasks = tasks;
        this.assignments = assignments;
        this.registry = registry;
        this.metrics = metrics;
        this.properties = properties;
        this.tx = tx;
        this.attachments = attachments;
        this.codecService = codecService;
        this.blobs = blobs;
        this.failure = failure;
    }

    /**
     * TGAP training, outside any transaction: hand the collection to the codec-service once (it keeps
     * the version; asking again returns it), then follow it until READY or FAILED.
     */
    void trainCodec(UUID experimentId) {
        Experiment e = experimentService.find(experimentId);
        ExperimentSpec spec = experimentService.spec(e);
        io.cgfed.core.protocol.CodecVersionView version = codecService.version(experimentId, 1);
        if (version == null) {
            List<byte[]> snapshots = new ArrayList<>();
            for (var a : attachments.findByExperimentIdAndRoundAndKindOrderByClientIndex(experimentId, 0,
                    io.cgfed.coordinator.attachment.AttachmentKind.COLLECTION)) {
                snapshots.addAll(io.cgfed.core.codec.PayloadBatch.read(blobs.get(a.getBlobKey()), Integer.MAX_VALUE));
            }
            version = codecService.startTgap(experimentId, spec.codec().name(), spec.codec().settings(), snapshots);
            log.info("experiment {}: codec-service training codec version 1 on {} snapshots", experimentId, snapshots.size());
        }
        // an answer without a status is taken as still training: the training timeout below then decides
        String status = version.status() == null ? "TRAINING" : version.status();
        String reason = version.failureReason();
        tx.executeWithoutResult(s -> {
            Round round = rounds.lock(experimentId, 0).orElseThrow();
            if (round.getStatus() != RoundStatus.TRAINING_CODEC) {
                return;
            }
            Experiment locked = experiments.findById(experimentId).orElseThrow();
            Instant now = Instant.now();
            switch (status) {
                case "READY" -> {
                    locked.useCodecVersion(1);
                    round.codec(null, 1);
                    round.codecTrained(now);
                    tasks.save(new Task(experimentId, 0, 0, TaskType.EVALUATE, assignments.workerOf(experimentId, 0), 0, now));
                    registry.afterCommit(experimentId);
                    metrics.codecVersion("TGAP");
                    log.info("experiment {}: codec version 1 READY", experimentId);
                }
                case "FAILED" -> failure.fail(locked, round, "TGAP codec training failed: " + reason);
                default -> {
                    if (now.isAfter(round.getDeadlineAt().plus(properties.codecTrainingTimeout()))) {
                        failure.fail(locked, round, "TGAP codec training did not finish within "
                                + properties.codecTrainingTimeout());
                    }
                }
            }
        });
    }
}
