package io.cgfed.worker.task;

import io.cgfed.worker.WorkerProperties;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** What this worker is: its id at the coordinator, its settings, the tasks it has run and where the last one's time went. */
@RestController
public class WorkerStatusController {
    private final TaskLoop loop;
    private final WorkerProperties properties;
    private final TaskTimings timings;

    WorkerStatusController(TaskLoop loop, WorkerProperties properties, TaskTimings timings) {
        this.loop = loop;
        this.properties = properties;
        this.timings = timings;
    }

    @GetMapping("/api/v1/status")
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", properties.name());
        m.put("device", properties.device());
        m.put("workerId", loop.workerId());
        m.put("tasksCompleted", loop.completed());
        m.put("tasksFailed", loop.failed());
        m.put("baseDtype", properties.baseDtype());
        m.put("memoryBudgetBytes", properties.memoryBudgetBytes());
        m.put("lastTrainTask", timings.lastTrainTask());
        return m;
    }
}
