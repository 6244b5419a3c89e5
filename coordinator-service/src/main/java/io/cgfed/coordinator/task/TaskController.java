package io.cgfed.coordinator.task;

import io.cgfed.coordinator.upload.UploadService;
import io.cgfed.core.protocol.EvaluationReport;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import java.io.IOException;
import java.util.Map;
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

/** Where workers deliver what their tasks produced. The worker names itself in {@code Cgfed-Worker-Id}. */
@RestController
@RequestMapping("/api/v1/tasks")
public class TaskController {
    public static final String WORKER_HEADER = "Cgfed-Worker-Id";
    private final TaskService tasks;
    private final UploadService uploads;

    TaskController(TaskService tasks, UploadService uploads) {
        this.tasks = tasks;
        this.uploads = uploads;
    }

    /** A TRAIN task's encoded update ({@code application/octet-stream}, the CGFU wire format). */
    @PutMapping(path = "/{taskId}/update", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<Map<String, Object>> upload(@PathVariable UUID taskId, @RequestHeader(WORKER_HEADER) UUID workerId,
                                                      HttpServletRequest request) throws IOException {
        UploadService.Receipt receipt = uploads.accept(taskId, workerId, request);
        return ResponseEntity.status(receipt.duplicate() ? HttpStatus.OK : HttpStatus.ACCEPTED).body(receipt.asMap());
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
                        @RequestBody Map<String, String> body) {
        tasks.reportFailure(taskId, workerId, body.get("reason"));
    }
}
