package io.cgfed.coordinator.upload;

import io.cgfed.coordinator.blob.BlobStore;
import io.cgfed.coordinator.metrics.CoordinatorMetrics;
import io.cgfed.coordinator.experiment.Experiment;
import io.cgfed.coordinator.experiment.ExperimentService;
import io.cgfed.coordinator.experiment.ExperimentStatus;
import io.cgfed.coordinator.experiment.SpecRules;
import io.cgfed.coordinator.round.Round;
import io.cgfed.coordinator.round.RoundStatus;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskService;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdateDecoder;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import io.cgfed.service.support.ApiException;
import io.cgfed.service.support.LogContext;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import tools.jackson.databind.ObjectMapper;

/**
 * Accepts one TRAIN task's update. Everything is checked before anything is stored: the task
 * belongs to the worker, its round is open, the body is within the size the experiment allows,
 * the payload parses, its checksum holds, it names this task's experiment, round and client, its
 * manifest is the experiment's adapter layout and its values decode finite. Then {@link RoundIntake}
 * writes the payload durably and records it with the task's completion in one transaction; a 2xx
 * means it counts, exactly once.
 */
@Service
public class UploadService {
    private static final Logger log = LoggerFactory.getLogger(UploadService.class);
    private final TaskService tasks;
    private final ExperimentService experiments;
    private final UploadRepository uploads;
    private final RoundIntake intake;
    private final ObjectMapper json;
    private final io.cgfed.coordinator.remote.CodecServiceClient codecService;
    private final CoordinatorMetrics metrics;
    private final ShardBounds shardBounds;

    UploadService(TaskService tasks, ExperimentService experiments, UploadRepository uploads, RoundIntake intake,
                  ObjectMapper json,
                  io.cgfed.coordinator.remote.CodecServiceClient codecService, CoordinatorMetrics metrics,
                  ShardBounds shardBounds, DecodeBudget decodeBudget) {
        this.shardBounds = shardBounds;
        this.decodeBudget = decodeBudget;
        this.codecService = codecService;
        this.metrics = metrics;
        this.tasks = tasks;
        this.experiments = experiments;
        this.uploads = uploads;
        this.intake = intake;
        this.json = json;
    }

    private final DecodeBudget decodeBudget;

    public Receipt accept(UUID taskId, UUID workerId, HttpServletRequest request) throws IOException {
        long start = System.nanoTime();
        try {
            Receipt receipt = acceptChecked(taskId, workerId, request);
            metrics.upload("update", receipt.duplicate() ? "duplicate" : "accepted", "none",
                    Duration.ofNanos(System.nanoTime() - start));
            if (!receipt.duplicate()) {
                metrics.updateAccepted(receipt.wireBytes());
            }
            log.debug("update of client {} {}: {} bytes", receipt.clientIndex(),
                    receipt.duplicate() ? "was a duplicate" : "accepted", receipt.wireBytes());
            return receipt;
        } catch (RuntimeException | IOException refused) {
            String reason = refused instanceof RuntimeException r ? UploadRefused.reasonOf(r) : "io";
            metrics.upload("update", "refused", reason, Duration.ofNanos(System.nanoTime() - start));
            if (reason.equals("late") || reason.equals("task_cancelled")) {
                // the client's outcome in that round is "late" (a wrong worker's task is refused before this)
                tasks.markLateUpload(taskId, Instant.now());
            }
            log.debug("update refused ({}): {}", reason, refused.getMessage());
            throw refused;
        }
    }

    /** What the coordinator keeps of a decoded update: its header, its L2 norm and its raw size. */
    private record Checked(PayloadHeader header, double norm, long rawBytes) {
    }

    private Receipt acceptChecked(UUID taskId, UUID workerId, HttpServletRequest request) throws IOException {
        Task task = tasks.ownTask(taskId, workerId);
        MDC.put(LogContext.EXPERIMENT, task.getExperimentId().toString());
        MDC.put(LogContext.ROUND, Integer.toString(task.getRound()));
        if (task.getType() != TaskType.TRAIN) {
            throw UploadRefused.conflict("wrong_task", "task " + taskId + " is an " + task.getType()
                    + " task: it takes no update");
        }
        Experiment experiment = experiments.find(task.getExperimentId());
        if (experiment.getStatus() != ExperimentStatus.RUNNING) {
            throw UploadRefused.conflict("not_running", "experiment " + experiment.getId() + " is "
                    + experiment.getStatus());
        }
        ExperimentSpec spec = experiments.spec(experiment);
        if (spec.secureAggregation().enabled()) {
            // refused before the body is read: a clear update must never reach a securely aggregated experiment
            throw UploadRefused.conflict("wrong_task", "experiment " + experiment.getId() + " is securely aggregated: its "
                    + "updates go masked through PUT /api/v1/tasks/" + taskId + "/secagg, never in the clear");
        }
        List<TensorSpec> manifest = SpecRules.updateLayout(spec);
        long maxBytes = maxPayloadBytes(manifest);
        byte[] body = readBounded(request, maxBytes);

        // the decoded update lives only as long as its norm takes: within the decode budget
        Checked decoded = decodeBudget.decoding(manifest, () -> {
            UpdateDecoder.DecodedUpdate d = decode(body, manifest, spec, task);
            return new Checked(d.header(), d.update().l2Norm(), d.rawBytes());
        });
        PayloadHeader h = decoded.header();
        if (!h.experimentId().equals(task.getExperimentId().toString()) || h.round() != task.getRound()
                || h.clientIndex() != task.getClientIndex()) {
            throw new PayloadFormatException("payload is for experiment " + h.experimentId() + " round " + h.round()
                    + " client " + h.clientIndex() + ", the task is round " + task.getRound() + " client "
                    + task.getClientIndex() + " of " + task.getExperimentId());
        }
        if (!h.codec().equals(spec.codec().name())) {
            throw new PayloadFormatException("payload uses codec '" + h.codec() + "', the experiment uses '"
                    + spec.codec().name() + "'");
        }
        long maxSamples = shardBounds.of(task.getExperimentId(), spec, task.getClientIndex());
        if (h.samples() < 1 || h.samples() > maxSamples) {
            // FedAvg weighs by samples: a claim the client's shard cannot hold would take the round (the probe's
            // 2^40); the task fails with the reason, so the round does not wait for it
            String reason = "update refused: it claims " + h.samples() + " training samples, client "
                    + task.getClientIndex() + "'s shard holds at most " + maxSamples;
            tasks.refuseUpdate(taskId, workerId, reason);
            throw UploadRefused.badRequest("samples", reason);
        }
        double norm = decoded.norm();
        String sha = BlobStore.sha256(body);
        UploadKey uploadKey = new UploadKey(task.getExperimentId(), task.getRound(), task.getClientIndex());
        String blobKey = "uploads/" + task.getExperimentId() + "/r" + task.getRound() + "/c" + task.getClientIndex()
                + "-" + sha.substring(0, 16) + ".cgfu";
        Map<String, Double> metrics = h.metrics();
        return intake.accept(task.getExperimentId(), task.getRound(), blobKey, body, new RoundIntake.Row<>() {
            @Override
            public Optional<Receipt> counted() {
                return uploads.findById(uploadKey).map(u -> duplicate(u, sha, task));
            }

            @Override
            public Receipt insert(Round round) {
                if (round.getStatus() != RoundStatus.OPEN) {
                    throw UploadRefused.conflict("late", "round " + task.getRound() + " is " + round.getStatus()
                            + ": the upload is late and was not counted");
                }
                Task current = tasks.ownTask(taskId, workerId);
                if (!current.isOpen()) {
                    // a copy of this upload may have completed the task since the check: then this is its duplicate
                    Optional<Receipt> committed = counted();
                    if (committed.isPresent()) {
                        return committed.get();
                    }
                    // handed to another worker (this one was silent too long), or given up by this one
                    throw UploadRefused.conflict("task_cancelled", "task " + taskId + " is " + current.getStatus()
                            + (current.getFailureReason() == null ? "" : " (" + current.getFailureReason() + ")")
                            + ": the upload was not counted");
                }
                uploads.save(new Upload(task.getExperimentId(), task.getRound(), task.getClientIndex(), taskId, workerId,
                        blobKey, sha, body.length, decoded.rawBytes(), h.samples(),
                        metrics.get("trainLoss"), json.writeValueAsString(metrics), Instant.now(), norm));
                current.complete(Instant.now());
                return new Receipt(false, task.getExperimentId(), task.getRound(), task.getClientIndex(), body.length,
                        decoded.rawBytes());
            }

            @Override
            public boolean references(String key) {
                return uploads.findById(uploadKey).map(u -> u.getBlobKey().equals(key)).orElse(false);
            }
        });
    }

    /**
     * Stateless codecs decode here; a learned codec's payload is parsed and checked here, then decoded
     * by the codec-service, which holds the codec version it names (the task's version).
     */
    private UpdateDecoder.DecodedUpdate decode(byte[] body, List<TensorSpec> manifest, ExperimentSpec spec, Task task) {
        if (!io.cgfed.core.codec.Codecs.learned(spec.codec().name())) {
            UpdateDecoder.DecodedUpdate decoded = UpdateDecoder.decode(body, manifest);
            if (decoded.header().codecVersion() != 0) {
                throw new PayloadFormatException("payload names codec version " + decoded.header().codecVersion()
                        + ", but codec '" + spec.codec().name() + "' has no learned state: it must be 0");
            }
            return decoded;
        }
        io.cgfed.core.codec.UpdatePayload payload = io.cgfed.core.codec.UpdatePayload.parse(body, manifest);
        PayloadHeader h = payload.header();
        if (!manifest.equals(h.manifest())) {
            throw new PayloadFormatException("payload manifest does not match the experiment's adapter layout");
        }
        if (!h.codec().equals(spec.codec().name())) {
            throw new PayloadFormatException("payload uses codec '" + h.codec() + "', the experiment uses '"
                    + spec.codec().name() + "'");
        }
        if (h.codecVersion() != task.getCodecVersion()) {
            throw new PayloadFormatException("payload was encoded with codec version " + h.codecVersion()
                    + ", the task names version " + task.getCodecVersion());
        }
        io.cgfed.core.tensor.NamedTensors update = codecService.decode(body);
        UpdateDecoder.requireFinite(update);
        return new UpdateDecoder.DecodedUpdate(h, update, body.length);
    }

    private static Receipt duplicate(Upload existing, String sha, Task task) {
        if (!existing.getSha256().equals(sha)) {
            throw UploadRefused.conflict("different_upload", "client " + task.getClientIndex()
                    + " already uploaded a different update for round " + task.getRound());
        }
        return new Receipt(true, task.getExperimentId(), task.getRound(), task.getClientIndex(), existing.getWireBytes(),
                existing.getRawBytes());
    }

    /** Uncompressed size plus a half (topk keeping everything: 6 bytes a value) plus 1 MiB for the header. */
    public static long maxPayloadBytes(List<TensorSpec> manifest) {
        long raw = 4 * TensorSpec.totalNumel(manifest);
        return raw + raw / 2 + (1 << 20);
    }

    public static byte[] readBounded(HttpServletRequest request, long maxBytes) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > maxBytes) {
            throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "upload of " + declared
                    + " bytes exceeds the " + maxBytes + " this experiment allows");
        }
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (body.length > maxBytes) {
                throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "upload exceeds the " + maxBytes
                        + " bytes this experiment allows");
            }
            return body;
        }
    }

    /** What the coordinator answers an upload. */
    public record Receipt(boolean duplicate, UUID experimentId, int round, int clientIndex, long wireBytes, long rawBytes) {
        /** The answer as it goes on the wire. */
        public io.cgfed.core.protocol.Receipts.Upload wire() {
            return new io.cgfed.core.protocol.Receipts.Upload(duplicate ? io.cgfed.core.protocol.Receipts.DUPLICATE
                    : io.cgfed.core.protocol.Receipts.ACCEPTED, experimentId, round, clientIndex, wireBytes, rawBytes);
        }
    }
}
