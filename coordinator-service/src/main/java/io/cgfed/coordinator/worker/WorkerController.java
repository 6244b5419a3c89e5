package io.cgfed.coordinator.worker;

import io.cgfed.coordinator.CoordinatorProperties;
import io.cgfed.coordinator.task.TaskService;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.protocol.WorkerRegistration;
import jakarta.validation.Valid;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Workers register, then pull their tasks by long poll (so they can sit behind NAT). */
@RestController
@RequestMapping("/api/v1/workers")
public class WorkerController {
    private final WorkerRepository workers;
    private final TaskService tasks;
    private final CoordinatorProperties properties;

    WorkerController(WorkerRepository workers, TaskService tasks, CoordinatorProperties properties) {
        this.workers = workers;
        this.tasks = tasks;
        this.properties = properties;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    public WorkerRegistration.Response register(@Valid @RequestBody WorkerRegistration.Request request) {
        Worker w = workers.save(new Worker(UUID.randomUUID(), request.name(), request.device(), Instant.now()));
        return new WorkerRegistration.Response(w.getId(), (int) properties.maxPollWait().toSeconds());
    }

    /**
     * A running worker's sign of life between polls (while a long task runs): 204, or 404 when the
     * coordinator does not know it, which tells it to register again.
     */
    @PutMapping("/{workerId}/heartbeat")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void heartbeat(@PathVariable UUID workerId) {
        tasks.heartbeat(workerId);
    }

    /** The worker's next task: 200 with the task, or 204 when none came within {@code waitSeconds}. */
    @GetMapping("/{workerId}/tasks/next")
    public ResponseEntity<TaskMessage> next(@PathVariable UUID workerId,
                                            @RequestParam(defaultValue = "20") int waitSeconds) throws InterruptedException {
        Duration wait = Duration.ofSeconds(Math.max(0, Math.min(waitSeconds, properties.maxPollWait().toSeconds())));
        return tasks.poll(workerId, wait).map(ResponseEntity::ok).orElseGet(() -> ResponseEntity.noContent().build());
    }
}
