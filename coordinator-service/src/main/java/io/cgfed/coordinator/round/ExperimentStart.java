package io.cgfed.coordinator.round;

import io.cgfed.coordinator.CoordinatorProperties;
import io.cgfed.coordinator.adapter.AdapterStore;
import io.cgfed.coordinator.experiment.Experiment;
import io.cgfed.coordinator.experiment.ExperimentRepository;
import io.cgfed.coordinator.experiment.ExperimentService;
import io.cgfed.coordinator.experiment.ExperimentStatus;
import io.cgfed.coordinator.experiment.SpecRules;
import io.cgfed.coordinator.metrics.CoordinatorMetrics;
import io.cgfed.coordinator.remote.RegistrySync;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.coordinator.worker.Worker;
import io.cgfed.coordinator.worker.WorkerRepository;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** PENDING to RUNNING: the first step of an experiment, once a live worker is there. */
@Component
class ExperimentStart {
    private static final Logger log = LoggerFactory.getLogger(ExperimentStart.class);
    private final ExperimentRepository experiments;
    private final ExperimentService experimentService;
    private final WorkerRepository workers;
    private final CoordinatorProperties properties;
    private final ClientAssignments assignments;
    private final AdapterStore adapters;
    private final RoundRepository rounds;
    private final TaskRepository tasks;
    private final RegistrySync registry;
    private final CoordinatorMetrics metrics;

    ExperimentStart(ExperimentRepository experiments, ExperimentService experimentService, WorkerRepository workers,
                    CoordinatorProperties properties, ClientAssignments assignments, AdapterStore adapters,
                    RoundRepository rounds, TaskRepository tasks, RegistrySync registry, CoordinatorMetrics metrics) {
        this.experiments = experiments;
        this.experimentService = experimentService;
        this.workers = workers;
        this.properties = properties;
        this.assignments = assignments;
        this.adapters = adapters;
        this.rounds = rounds;
        this.tasks = tasks;
        this.registry = registry;
        this.metrics = metrics;
    }

    /** PENDING to RUNNING: bind clients to live workers, write adapter version 0, evaluate it (round 0). */
    void start(UUID experimentId) {
        Experiment e = experiments.lock(experimentId).orElseThrow();
        if (e.getStatus() != ExperimentStatus.PENDING) {
            return;
        }
        List<Worker> live = workers.findByLastSeenAtAfterOrderByRegisteredAt(Instant.now().minus(properties.workerTimeout()));
        if (live.isEmpty()) {
            return;
        }
        ExperimentSpec spec = experimentService.spec(e);
        io.cgfed.core.tensor.NamedTensors initial;
        try {
            // a warm start's adapter (checked at submit; a file changed since is refused here), else a fresh one
            initial = spec.initialAdapter() != null ? SpecRules.initialAdapter(spec)
                    : LoraAdapter.initialise(SpecRules.modelConfig(spec), SpecRules.loraConfig(spec), spec.seed());
        } catch (io.cgfed.service.support.InvalidFieldException bad) {
            e.finish(ExperimentStatus.FAILED, "initialAdapter.path: " + bad.getMessage(), Instant.now());
            registry.afterCommit(e.getId());
            log.warn("experiment {} failed at start: initialAdapter.path: {}", e.getId(), bad.getMessage());
            return;
        }
        assignments.bind(experimentId, spec.clients(), live);
        adapters.save(experimentId, 0, initial);
        Instant now = Instant.now();
        e.start(now);
        e.advanceTo(0);
        if (Codecs.learned(spec.codec().name())) {
            // TGAP: every client trains on its D1 share and uploads snapshots; the codec is trained on them
            rounds.save(new Round(experimentId, 0, RoundStatus.COLLECTING, spec.clients(), now,
                    now.plusSeconds(spec.roundDeadlineSeconds())));
            for (int client = 0; client < spec.clients(); client++) {
                tasks.save(new Task(experimentId, 0, client, TaskType.COLLECT, assignments.workerOf(experimentId, client), 0,
                        now));
            }
        } else {
            rounds.save(new Round(experimentId, 0, RoundStatus.EVALUATING, 0, now,
                    now.plusSeconds(spec.roundDeadlineSeconds())));
            tasks.save(new Task(experimentId, 0, 0, TaskType.EVALUATE, assignments.workerOf(experimentId, 0), 0, now));
        }
        registry.afterCommit(experimentId);
        metrics.roundOpened();
        log.info("experiment {} started with {} clients on {} workers", experimentId, spec.clients(), live.size());
    }
}
