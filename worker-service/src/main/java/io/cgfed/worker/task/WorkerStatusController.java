package io.cgfed.worker.task;

import io.cgfed.worker.WorkerProperties;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** What this worker is: its id at the coordinator and the tasks it has run. */
@RestController
public class WorkerStatusController {
    private final TaskLoop loop;
    private final WorkerProperties properties;

    WorkerStatusController(TaskLoop loop, WorkerProperties properties) {
        this.loop = loop;
        this.properties = properties;
    }

    @GetMapping("/api/v1/status")
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", properties.name());
        m.put("device", properties.device());
        m.put("workerId", loop.workerId());
        m.put("tasksCompleted", loop.completed());
        m.put("tasksFailed", loop.failed());
        return m;
    }
}
