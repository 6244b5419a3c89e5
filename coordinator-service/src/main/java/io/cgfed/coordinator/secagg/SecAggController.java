package io.cgfed.coordinator.secagg;

import io.cgfed.coordinator.task.TaskController;
import io.cgfed.coordinator.upload.UploadService;
import io.cgfed.core.secagg.Messages;
import io.cgfed.service.support.security.Caller;
import io.cgfed.service.support.security.Requires;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Secure aggregation's stages for the workers: {@code GET /api/v1/tasks/{id}/secagg} (what the stage task needs)
 * and {@code PUT /api/v1/tasks/{id}/secagg} (what it delivers: JSON, or the masked input's bytes). 202 when
 * accepted, 200 for the same delivery again.
 */
@RestController
@Requires(Caller.WORKER)
@RequestMapping("/api/v1/tasks")
public class SecAggController {
    /** Larger than any stage message but a masked input, whose bound is its length. */
    private static final long MAX_MESSAGE_BYTES = 4L << 20;
    private final SecAggService service;

    SecAggController(SecAggService service) {
        this.service = service;
    }

    @GetMapping("/{taskId}/secagg")
    public Messages.StageInput input(@PathVariable UUID taskId, @RequestHeader(TaskController.WORKER_HEADER) UUID workerId) {
        return service.input(taskId, workerId);
    }

    @PutMapping("/{taskId}/secagg")
    public ResponseEntity<SecAggService.Receipt> deliver(@PathVariable UUID taskId,
                                                         @RequestHeader(TaskController.WORKER_HEADER) UUID workerId,
                                                         HttpServletRequest request) throws IOException {
        byte[] body = UploadService.readBounded(request, MAX_MESSAGE_BYTES + service.maskedInputBytes(taskId, workerId));
        SecAggService.Receipt r = service.accept(taskId, workerId, body);
        return ResponseEntity.status(r.status().equals("ACCEPTED") ? HttpStatus.ACCEPTED : HttpStatus.OK).body(r);
    }
}
