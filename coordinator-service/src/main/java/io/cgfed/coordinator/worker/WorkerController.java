package io.cgfed.coordinator.worker;

import io.cgfed.coordinator.CoordinatorProperties;
import io.cgfed.coordinator.task.TaskService;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.protocol.WorkerRegistration;
import io.cgfed.service.support.ApiException;
import io.cgfed.service.support.security.Caller;
import io.cgfed.service.support.security.Principal;
import io.cgfed.service.support.security.Requires;
import io.cgfed.service.support.security.Secrets;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

/**
 * Workers register with the join token and get their own credential, then pull their tasks by long
 * poll (so they can sit behind NAT). Admins list and revoke workers.
 */
@RestController
@RequestMapping("/api/v1/workers")
public class WorkerController {
    private static final Logger log = LoggerFactory.getLogger(WorkerController.class);
    private final WorkerRepository workers;
    private final WorkerCredentials credentials;
    private final TaskService tasks;
    private final CoordinatorProperties properties;

    WorkerController(WorkerRepository workers, WorkerCredentials credentials, TaskService tasks,
                     CoordinatorProperties properties) {
        this.workers = workers;
        this.credentials = credentials;
        this.tasks = tasks;
        this.properties = properties;
    }

    /** The answer holds the worker's credential, this once: only its SHA-256 is stored. */
    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Requires(Caller.JOINING_WORKER)
    public WorkerRegistration.Response register(@Valid @RequestBody WorkerRegistration.Request request) {
        String credential = WorkerCredentials.issue();
        Worker fresh = new Worker(UUID.randomUUID(), request.name(), request.device(), Secrets.sha256(credential),
                Instant.now());
        fresh.setMemoryBudgetBytes(request.memoryBudgetBytes());
        Worker w = workers.save(fresh);
        log.info("worker {} ('{}', {}) registered", w.getId(), w.getName(), w.getDevice());
        return new WorkerRegistration.Response(w.getId(), (int) properties.maxPollWait().toSeconds(), credential);
    }

    /**
     * A running worker's sign of life between polls (while a long task runs): 204, or 404 when the
     * coordinator does not know it, which tells it to register again.
     */
    @PutMapping("/{workerId}/heartbeat")
    @Requires(Caller.WORKER)
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void heartbeat(@PathVariable UUID workerId) {
        tasks.heartbeat(workerId);
    }

    /** The worker's next task: 200 with the task, or 204 when none came within {@code waitSeconds}. */
    @GetMapping("/{workerId}/tasks/next")
    @Requires(Caller.WORKER)
    public ResponseEntity<TaskMessage> next(@PathVariable UUID workerId,
                                            @RequestParam(defaultValue = "20") int waitSeconds,
                                            @RequestParam(defaultValue = "false") boolean idle) throws InterruptedException {
        Duration wait = Duration.ofSeconds(Math.max(0, Math.min(waitSeconds, properties.maxPollWait().toSeconds())));
        var task = tasks.poll(workerId, wait, idle);
        if (task.isPresent() && credentials.revoked(workerId)) {
            // revoked while the poll was held: the task stays with the revoked worker (as with a dead one)
            throw ApiException.forbidden("worker " + workerId + " was revoked");
        }
        return task.map(ResponseEntity::ok).orElseGet(() -> ResponseEntity.noContent().build());
    }

    @GetMapping
    @Requires(Caller.ADMIN)
    public List<Map<String, Object>> list() {
        return workers.findAllByOrderByRegisteredAt().stream().map(WorkerController::view).toList();
    }

    /**
     * Refuses the worker from its next request on and gives it no new clients; tasks it holds follow
     * the rules for a worker that went away. Revoking twice is not an error.
     */
    @PostMapping("/{workerId}/revoke")
    @Requires(Caller.ADMIN)
    public Map<String, Object> revoke(@PathVariable UUID workerId, HttpServletRequest request) {
        workers.revoke(workerId, Instant.now());
        Worker w = workers.findById(workerId).orElseThrow(() -> ApiException.notFound("no worker " + workerId));
        log.info("worker {} ('{}') revoked by '{}'", w.getId(), w.getName(), Principal.of(request).name());
        return view(w);
    }

    static Map<String, Object> view(Worker w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.getId());
        m.put("name", w.getName());
        m.put("device", w.getDevice());
        m.put("memoryBudgetBytes", w.getMemoryBudgetBytes());
        m.put("registeredAt", w.getRegisteredAt());
        m.put("lastSeenAt", w.getLastSeenAt());
        m.put("revokedAt", w.getRevokedAt());
        return m;
    }
}
