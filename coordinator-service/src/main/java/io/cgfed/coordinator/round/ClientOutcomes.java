package io.cgfed.coordinator.round;

import io.cgfed.coordinator.attachment.Attachment;
import io.cgfed.coordinator.attachment.AttachmentKind;
import io.cgfed.coordinator.attachment.AttachmentRepository;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.coordinator.task.TaskStatus;
import io.cgfed.coordinator.upload.Upload;
import io.cgfed.coordinator.upload.UploadRepository;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * What became of each client a round asked for (a TRAIN task; in a TGAP round 0, a COLLECT task),
 * derived from the coordinator's own records (tasks, uploads, collections):
 * <ul>
 *   <li>{@code ON_TIME}: its upload was accepted before the round's first deadline, from the task it
 *   was first given;</li>
 *   <li>{@code LATE}: its upload counted but came after that deadline or from a task that had been
 *   handed to another worker (a silent worker, a re-opened round); or it arrived after the round had
 *   closed or its task had been cancelled, and was refused ({@code tasks.late_upload_at});</li>
 *   <li>{@code QUARANTINED}: its upload was accepted but left out of the aggregate, its norm far outside
 *   the round's ({@link UpdateQuarantine}); the reason says by how much;</li>
 *   <li>{@code FAILED}: the task failed (its update refused, for one), or nothing was ever uploaded.</li>
 * </ul>
 * Each row also has what the client measured and sent: samples, local loss, bytes, reconstruction
 * quality, times.
 */
@Component
public class ClientOutcomes {
    public static final String ON_TIME = "ON_TIME";
    public static final String LATE = "LATE";
    public static final String FAILED = "FAILED";
    public static final String QUARANTINED = "QUARANTINED";
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private final TaskRepository tasks;
    private final UploadRepository uploads;
    private final AttachmentRepository attachments;
    private final ObjectMapper json;

    ClientOutcomes(TaskRepository tasks, UploadRepository uploads, AttachmentRepository attachments, ObjectMapper json) {
        this.tasks = tasks;
        this.uploads = uploads;
        this.attachments = attachments;
        this.json = json;
    }

    /** One row per client the round gave a task, by client index; empty for an evaluation-only round. */
    public List<Map<String, Object>> rows(Round round, int deadlineSeconds) {
        UUID experimentId = round.getExperimentId();
        int roundNo = round.getRound();
        Map<Integer, List<Task>> byClient = new TreeMap<>();
        for (Task t : tasks.findByExperimentIdAndRoundOrderByCreatedAt(experimentId, roundNo)) {
            if (t.getType() == TaskType.TRAIN || t.getType() == TaskType.COLLECT) {
                byClient.computeIfAbsent(t.getClientIndex(), c -> new ArrayList<>()).add(t);
            }
        }
        if (byClient.isEmpty()) {
            return List.of();
        }
        boolean collect = byClient.values().iterator().next().get(0).getType() == TaskType.COLLECT;
        Map<Integer, Upload> updates = new LinkedHashMap<>();
        Map<Integer, Attachment> collections = new LinkedHashMap<>();
        if (collect) {
            attachments.findByExperimentIdAndRoundAndKindOrderByClientIndex(experimentId, roundNo, AttachmentKind.COLLECTION)
                    .forEach(a -> collections.put(a.getClientIndex(), a));
        } else {
            uploads.findByExperimentIdAndRoundOrderByClientIndex(experimentId, roundNo)
                    .forEach(u -> updates.put(u.getClientIndex(), u));
        }
        Instant deadline = round.getOpenedAt().plusSeconds(deadlineSeconds);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (var entry : byClient.entrySet()) {
            int client = entry.getKey();
            List<Task> issued = entry.getValue();
            Task last = issued.get(issued.size() - 1);
            boolean reassigned = issued.size() > 1;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("client", client);
            Upload u = updates.get(client);
            Attachment a = collections.get(client);
            // secure aggregation: the masked input completed the task, and no upload row is ever written
            boolean maskedInput = u == null && a == null && round.getSecaggStage() != null
                    && last.getStatus() == io.cgfed.coordinator.task.TaskStatus.DONE;
            UUID deliveringTask = u != null ? u.getTaskId() : a != null ? a.getTaskId() : maskedInput ? last.getId() : null;
            Instant received = u != null ? u.getReceivedAt() : a != null ? a.getReceivedAt()
                    : maskedInput ? last.getCompletedAt() : null;
            if (received != null) {
                Task by = issued.stream().filter(t -> t.getId().equals(deliveringTask)).findFirst().orElse(last);
                boolean afterDeadline = received.isAfter(deadline);
                row.put("worker", by.getWorkerId());
                row.put("outcome", reassigned || afterDeadline ? LATE : ON_TIME);
                row.put("reason", reassigned ? "its task was handed to another worker (" + issued.size() + " tasks)"
                        : afterDeadline ? "uploaded after the round's deadline" : null);
                row.put("tasks", issued.size());
                row.put("uploadedAt", received);
                row.put("timeMs", millis(issued.get(0).getAssignedAt() != null ? issued.get(0).getAssignedAt()
                        : issued.get(0).getCreatedAt(), received));
                if (u != null && u.getQuarantineReason() != null) {
                    row.put("outcome", QUARANTINED);
                    row.put("reason", "not aggregated: " + u.getQuarantineReason());
                }
                if (u != null) {
                    row.put("samples", u.getSamples());
                    row.put("wireBytes", u.getWireBytes());
                    row.put("rawBytes", u.getRawBytes());
                    if (u.getMetrics() != null) {
                        json.readValue(u.getMetrics(), MAP).forEach(row::putIfAbsent);
                    }
                } else if (a != null) {
                    row.put("wireBytes", a.getBytes());
                    row.put("snapshots", a.getItems());
                } else {
                    row.put("secure", true); // a masked input: what it holds is the sum's, not this client's
                }
            } else {
                Task tooLate = issued.stream().filter(t -> t.getLateUploadAt() != null).reduce((x, y) -> y).orElse(null);
                Task shown = tooLate != null ? tooLate : last;
                row.put("worker", shown.getWorkerId());
                row.put("tasks", issued.size());
                if (tooLate != null) {
                    row.put("outcome", LATE);
                    row.put("reason", "uploaded after the round had closed for it; refused, not counted");
                    row.put("uploadedAt", tooLate.getLateUploadAt());
                    row.put("timeMs", millis(tooLate.getAssignedAt() != null ? tooLate.getAssignedAt()
                            : tooLate.getCreatedAt(), tooLate.getLateUploadAt()));
                } else {
                    row.put("outcome", FAILED);
                    row.put("reason", last.getStatus() == TaskStatus.FAILED
                            ? "task failed: " + last.getFailureReason()
                            : "never uploaded" + (last.getFailureReason() == null ? "" : " (" + last.getFailureReason() + ")"));
                }
            }
            rows.add(row);
        }
        return rows;
    }

    private static Long millis(Instant from, Instant to) {
        return from == null || to == null ? null : Duration.between(from, to).toMillis();
    }
}
