package io.cgfed.coordinator.attachment;

import io.cgfed.coordinator.CoordinatorProperties;
import io.cgfed.coordinator.blob.BlobStore;
import io.cgfed.coordinator.metrics.CoordinatorMetrics;
import io.cgfed.coordinator.upload.RoundIntake;
import io.cgfed.coordinator.upload.UploadRefused;
import io.cgfed.coordinator.experiment.Experiment;
import io.cgfed.coordinator.experiment.ExperimentService;
import io.cgfed.coordinator.experiment.ExperimentStatus;
import io.cgfed.coordinator.experiment.SpecRules;
import io.cgfed.coordinator.round.Round;
import io.cgfed.coordinator.round.RoundStatus;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskService;
import io.cgfed.coordinator.task.TaskStatus;
import io.cgfed.coordinator.upload.UploadService;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdateDecoder;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.core.tensor.TensorFormatException;
import io.cgfed.service.support.ApiException;
import io.cgfed.service.support.LogContext;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.MDC;
import org.springframework.stereotype.Service;

/**
 * Accepts what a task sends besides its update (see {@link AttachmentKind}). As for updates,
 * everything is checked before anything is stored, then {@link RoundIntake} writes the blob before the
 * row and answers a repeat of the same bytes as a duplicate: a 2xx means it counts, exactly once.
 */
@Service
public class AttachmentService {
    /** Snapshots one COLLECT task may upload. */
    static final int MAX_SNAPSHOTS = 1000;
    private final TaskService tasks;
    private final ExperimentService experiments;
    private final AttachmentRepository attachments;
    private final RoundIntake intake;
    private final CoordinatorProperties properties;
    private final CoordinatorMetrics metrics;

    AttachmentService(TaskService tasks, ExperimentService experiments, AttachmentRepository attachments,
                      RoundIntake intake, CoordinatorProperties properties, CoordinatorMetrics metrics) {
        this.metrics = metrics;
        this.tasks = tasks;
        this.experiments = experiments;
        this.attachments = attachments;
        this.intake = intake;
        this.properties = properties;
    }

    public io.cgfed.core.protocol.Receipts.Attachment accept(UUID taskId, UUID workerId, AttachmentKind kind, HttpServletRequest request)
            throws IOException {
        long start = System.nanoTime();
        String metricKind = kind.name().toLowerCase(java.util.Locale.ROOT);
        try {
            io.cgfed.core.protocol.Receipts.Attachment receipt = acceptChecked(taskId, workerId, kind, request);
            metrics.upload(metricKind, receipt.duplicate() ? "duplicate" : "accepted", "none",
                    Duration.ofNanos(System.nanoTime() - start));
            return receipt;
        } catch (RuntimeException | IOException refused) {
            String reason = refused instanceof RuntimeException r ? UploadRefused.reasonOf(r) : "io";
            metrics.upload(metricKind, "refused", reason, Duration.ofNanos(System.nanoTime() - start));
            if (kind == AttachmentKind.COLLECTION && (reason.equals("late") || reason.equals("task_cancelled"))) {
                // a TGAP collection is what its COLLECT task delivers: refused as late, the client was late
                tasks.markLateUpload(taskId, java.time.Instant.now());
            }
            throw refused;
        }
    }

    private io.cgfed.core.protocol.Receipts.Attachment acceptChecked(UUID taskId, UUID workerId, AttachmentKind kind, HttpServletRequest request)
            throws IOException {
        Task task = tasks.ownTask(taskId, workerId);
        MDC.put(LogContext.EXPERIMENT, task.getExperimentId().toString());
        MDC.put(LogContext.ROUND, Integer.toString(task.getRound()));
        Experiment experiment = experiments.find(task.getExperimentId());
        if (experiment.getStatus() != ExperimentStatus.RUNNING) {
            throw UploadRefused.conflict("not_running", "experiment " + experiment.getId() + " is " + experiment.getStatus());
        }
        ExperimentSpec spec = experiments.spec(experiment);
        RoundStatus expectedRound = switch (kind) {
            case COLLECTION -> {
                requireType(task, TaskType.COLLECT, kind);
                yield RoundStatus.COLLECTING;
            }
            case CONTRIBUTION -> {
                requireType(task, TaskType.TRAIN, kind);
                if (!task.isContribute()) {
                    throw ApiException.conflict("task " + taskId + " was not asked for an FAF contribution");
                }
                yield RoundStatus.OPEN;
            }
            case AUDIT -> {
                requireType(task, TaskType.TRAIN, kind);
                if (!spec.codec().audit()) {
                    throw ApiException.conflict("experiment " + experiment.getId() + " is not in audit mode: raw updates"
                            + " are not accepted");
                }
                yield RoundStatus.OPEN;
            }
        };
        List<TensorSpec> manifest = SpecRules.updateLayout(spec);
        long max = kind == AttachmentKind.AUDIT ? UploadService.maxPayloadBytes(manifest) : properties.maxAttachmentBytes();
        byte[] body = UploadService.readBounded(request, max);
        int items = check(kind, body, task, manifest);

        String sha = BlobStore.sha256(body);
        AttachmentKey key = new AttachmentKey(task.getExperimentId(), task.getRound(), task.getClientIndex(), kind);
        if (attachments.findById(key).isEmpty() && kind != AttachmentKind.COLLECTION && task.getStatus() == TaskStatus.DONE) {
            throw ApiException.conflict("task " + taskId + " already delivered its update: a " + kind.name().toLowerCase()
                    + " must come before it");
        }
        String blobKey = "attachments/" + task.getExperimentId() + "/r" + task.getRound() + "/c" + task.getClientIndex()
                + "-" + kind.name().toLowerCase() + "-" + sha.substring(0, 16) + ".bin";
        return intake.accept(task.getExperimentId(), task.getRound(), blobKey, body, new RoundIntake.Row<>() {
            @Override
            public Optional<io.cgfed.core.protocol.Receipts.Attachment> counted() {
                return attachments.findById(key).map(a -> duplicate(a, sha, task, kind));
            }

            @Override
            public io.cgfed.core.protocol.Receipts.Attachment insert(Round round) {
                if (round.getStatus() != expectedRound) {
                    throw UploadRefused.conflict("late", "round " + task.getRound() + " is " + round.getStatus() + ": the "
                            + kind.name().toLowerCase() + " is late and was not counted");
                }
                Task current = tasks.ownTask(taskId, workerId);
                if (!current.isOpen()) {
                    Optional<io.cgfed.core.protocol.Receipts.Attachment> committed = counted();
                    if (committed.isPresent()) {
                        return committed.get();
                    }
                    throw UploadRefused.conflict("task_cancelled", "task " + taskId + " is " + current.getStatus()
                            + ": the " + kind.name().toLowerCase() + " was not counted");
                }
                attachments.save(new Attachment(task.getExperimentId(), task.getRound(), task.getClientIndex(), kind, taskId,
                        blobKey, sha, body.length, items, Instant.now()));
                if (kind == AttachmentKind.COLLECTION) {
                    current.complete(Instant.now());
                }
                return receipt("ACCEPTED", task, kind, body.length, items);
            }

            @Override
            public boolean references(String blob) {
                return attachments.findById(key).map(a -> a.getBlobKey().equals(blob)).orElse(false);
            }
        });
    }

    private static void requireType(Task task, TaskType type, AttachmentKind kind) {
        if (task.getType() != type) {
            throw UploadRefused.conflict("wrong_task", "task " + task.getId() + " is a " + task.getType() + " task: a "
                    + kind.name().toLowerCase() + " belongs to a " + type + " task");
        }
    }

    /** Parses and checks the body; returns how many items it holds. */
    private static int check(AttachmentKind kind, byte[] body, Task task, List<TensorSpec> manifest) {
        switch (kind) {
            case COLLECTION -> {
                List<byte[]> snapshots = PayloadBatch.read(body, MAX_SNAPSHOTS);
                if (snapshots.isEmpty()) {
                    throw new PayloadFormatException("a TGAP collection needs at least one snapshot");
                }
                for (int i = 0; i < snapshots.size(); i++) {
                    try {
                        matches(UpdateDecoder.decode(snapshots.get(i), manifest).header(), task);
                    } catch (PayloadFormatException e) {
                        throw new PayloadFormatException("snapshot " + i + ": " + e.getMessage());
                    }
                }
                return snapshots.size();
            }
            case AUDIT -> {
                matches(UpdateDecoder.decode(body, manifest).header(), task);
                return 1;
            }
            case CONTRIBUTION -> {
                NamedTensors c;
                try {
                    c = SafeTensors.read(body);
                } catch (TensorFormatException e) {
                    throw new PayloadFormatException("contribution: " + e.getMessage());
                }
                if (c.size() == 0) {
                    throw new PayloadFormatException("contribution holds no tensors");
                }
                UpdateDecoder.requireFinite(c);
                return c.size();
            }
        }
        throw new IllegalStateException(kind.toString());
    }

    private static void matches(PayloadHeader h, Task task) {
        if (!h.experimentId().equals(task.getExperimentId().toString()) || h.round() != task.getRound()
                || h.clientIndex() != task.getClientIndex()) {
            throw new PayloadFormatException("payload is for experiment " + h.experimentId() + " round " + h.round()
                    + " client " + h.clientIndex() + ", the task is round " + task.getRound() + " client "
                    + task.getClientIndex() + " of " + task.getExperimentId());
        }
    }

    private static io.cgfed.core.protocol.Receipts.Attachment duplicate(Attachment existing, String sha, Task task, AttachmentKind kind) {
        if (!existing.getSha256().equals(sha)) {
            throw UploadRefused.conflict("different_upload", "client " + task.getClientIndex() + " already sent a different "
                    + kind.name().toLowerCase() + " for round " + task.getRound());
        }
        return receipt("DUPLICATE", task, kind, existing.getBytes(), existing.getItems());
    }

    private static io.cgfed.core.protocol.Receipts.Attachment receipt(String status, Task task, AttachmentKind kind, long bytes,
                                                                      int items) {
        return new io.cgfed.core.protocol.Receipts.Attachment(status, kind.name(), task.getExperimentId(), task.getRound(),
                task.getClientIndex(), bytes, items);
    }
}
