package io.cgfed.coordinator.task;

import io.cgfed.coordinator.upload.UploadService;
import io.cgfed.core.protocol.EvaluationReport;
import io.cgfed.service.support.security.Caller;
import io.cgfed.service.support.security.Requires;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import java.io.IOException;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Where workers deliver what their tasks produced. The worker names itself in {@code Cgfed-Worker-Id}
 * and proves it with its credential (checked before any body is read); it acts on its own tasks only.
 */
@RestController
@Requires(Caller.WORKER)
@RequestMapping("/api/v1/tasks")
public class TaskController {
    public static final String WORKER_HEADER = "Cgfed-Worker-Id";
    private final TaskService tasks;
    private final UploadService uploads;
    private final io.cgfed.coordinator.attachment.AttachmentService attachments;

    TaskController(TaskService tasks, UploadService uploads, io.cgfed.coordinator.attachment.AttachmentService attachments) {
        this.tasks = tasks;
        this.uploads = uploads;
        this.attachments = attachments;
    }

    /** A COLLECT task's TGAP snapshots: a CGFB batch of uncompressed CGFU payloads. Completes the task. */
    @PutMapping(path = "/{taskId}/collection", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<io.cgfed.core.protocol.Receipts.Attachment> collection(@PathVariable UUID taskId,
                                                          @RequestHeader(WORKER_HEADER) UUID workerId,
                                                          HttpServletRequest request) throws IOException {
        return attachment(taskId, workerId, io.cgfed.coordinator.attachment.AttachmentKind.COLLECTION, request);
    }

    /** A TRAIN task's FAF contribution (safetensors), before its update. */
    @PutMapping(path = "/{taskId}/contribution", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<io.cgfed.core.protocol.Receipts.Attachment> contribution(@PathVariable UUID taskId,
                                                            @RequestHeader(WORKER_HEADER) UUID workerId,
                                                            HttpServletRequest request) throws IOException {
        return attachment(taskId, workerId, io.cgfed.coordinator.attachment.AttachmentKind.CONTRIBUTION, request);
    }

    /** Audit mode: a TRAIN task's raw update (uncompressed CGFU payload), before its encoded update. */
    @PutMapping(path = "/{taskId}/audit", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<io.cgfed.core.protocol.Receipts.Attachment> audit(@PathVariable UUID taskId, @RequestHeader(WORKER_HEADER) UUID workerId,
                                                     HttpServletRequest request) throws IOException {
        return attachment(taskId, workerId, io.cgfed.coordinator.attachment.AttachmentKind.AUDIT, request);
    }

    private ResponseEntity<io.cgfed.core.protocol.Receipts.Attachment> attachment(UUID taskId, UUID workerId,
                                                           io.cgfed.coordinator.attachment.AttachmentKind kind,
                                                           HttpServletRequest request) throws IOException {
        io.cgfed.core.protocol.Receipts.Attachment receipt = attachments.accept(taskId, workerId, kind, request);
        return ResponseEntity.status(receipt.duplicate() ? HttpStatus.OK : HttpStatus.ACCEPTED).body(receipt);
    }

    /** A TRAIN task's encoded update ({@code application/octet-stream}, the CGFU wire format). */
    @PutMapping(path = "/{taskId}/update", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<io.cgfed.core.protocol.Receipts.Upload> upload(@PathVariable UUID taskId, @RequestHeader(WORKER_HEADER) UUID workerId,
                                                      HttpServletRequest request) throws IOException {
        UploadService.Receipt receipt = uploads.accept(taskId, workerId, request);
        return ResponseEntity.status(receipt.duplicate() ? HttpStatus.OK : HttpStatus.ACCEPTED).body(receipt.wire());
    }

    @PostMapping("/{taskId}/evaluation")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void evaluation(@PathVariable UUID taskId, @RequestHeader(WORKER_HEADER) UUID workerId,
                           @Valid @RequestBody EvaluationReport report) {
        tasks.reportEvaluation(taskId, workerId, report);
    }

    @PostMapping("/{taskId}/failure")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void failure(@PathVariable UUID taskId, @RequestHeader(WORKER_HEADER) UUID workerId,
                        @RequestBody io.cgfed.core.protocol.Receipts.Failure body) {
        tasks.reportFailure(taskId, workerId, body.reason());
    }
}
