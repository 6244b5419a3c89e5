package io.cgfed.coordinator.experiment;

import io.cgfed.coordinator.adapter.AdapterVersionRepository;
import io.cgfed.coordinator.remote.RegistrySync;
import io.cgfed.coordinator.round.Round;
import io.cgfed.coordinator.round.RoundRepository;
import io.cgfed.coordinator.round.RoundStatus;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.coordinator.task.TaskStatus;
import io.cgfed.coordinator.upload.UploadRepository;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.train.CEvalTable;
import io.cgfed.service.support.ApiException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/** Submitting, reading and cancelling experiments. */
@Service
public class ExperimentService {
    private static final TypeReference<Map<String, Double>> DOUBLES = new TypeReference<>() {
    };
    private static final TypeReference<Map<String, Integer>> INTEGERS = new TypeReference<>() {
    };
    private final ExperimentRepository experiments;
    private final RoundRepository rounds;
    private final TaskRepository tasks;
    private final AdapterVersionRepository adapters;
    private final UploadRepository uploads;
    private final RegistrySync registry;
    private final ObjectMapper json;
    private final SpecPaths paths;
    private final io.cgfed.coordinator.worker.WorkerRepository workers;

    private final ExperimentSpecs specs;

    ExperimentService(ExperimentRepository experiments, RoundRepository rounds, TaskRepository tasks,
                      AdapterVersionRepository adapters, UploadRepository uploads,
                      RegistrySync registry, ObjectMapper json, SpecPaths paths,
                      io.cgfed.coordinator.worker.WorkerRepository workers, ExperimentSpecs specs) {
        this.specs = specs;
        this.workers = workers;
        this.paths = paths;
        this.uploads = uploads;
        this.experiments = experiments;
        this.rounds = rounds;
        this.tasks = tasks;
        this.adapters = adapters;
        this.registry = registry;
        this.json = json;
    }

    @Transactional
    public ExperimentView submit(ExperimentSpec spec) {
        paths.check(spec); // before anything reads a file it names
        SpecRules.check(spec);
        requireAWorkerItFits(spec);
        Experiment e = experiments.save(new Experiment(UUID.randomUUID(), spec.name(), json.writeValueAsString(spec),
                Instant.now()));
        registry.afterCommit(e.getId());
        return view(e);
    }

    /**
     * A model whose frozen base, adapter and optimiser state alone pass every registered worker's memory
     * budget cannot train anywhere: refused at submit. (The activations depend on the clients' data, which
     * only the workers see: each checks them before it trains.) With no worker that reported a budget,
     * nothing is refused here.
     */
    private void requireAWorkerItFits(ExperimentSpec spec) {
        Long largest = workers.largestMemoryBudget();
        if (largest == null) {
            return;
        }
        // as a worker of the default base-dtype (auto) holds it: a half-precision checkpoint in float16
        boolean half = SpecRules.halfPrecisionBase(spec);
        Boolean chosen = spec.training().activationCheckpointing();
        Integer sequence = spec.training().maxSequenceLength();
        io.cgfed.core.train.TrainingMemory m = io.cgfed.core.train.TrainingMemory.estimate(SpecRules.modelConfig(spec),
                SpecRules.loraConfig(spec), spec.training().microBatchSize(), sequence == null ? 1 : sequence,
                half ? 2 : 4, chosen != null ? chosen : half);
        if (m.fixedBytes() > largest) {
            throw new io.cgfed.service.support.InvalidFieldException("model.name", "needs about " + io.cgfed.core.train.TrainingMemory.gib(m.fixedBytes())
                    + " on a worker before any data (frozen base " + io.cgfed.core.train.TrainingMemory.gib(m.baseBytes())
                    + ", adapter and optimiser " + io.cgfed.core.train.TrainingMemory.gib(m.adapterBytes())
                    + "); the largest memory budget a registered worker reported is "
                    + io.cgfed.core.train.TrainingMemory.gib(largest));
        }
        // with a sequence cap the whole estimate is known here, the activations of a full micro-batch included
        if (sequence != null && m.total() > largest) {
            throw new io.cgfed.service.support.InvalidFieldException("training.maxSequenceLength", "a micro-batch of "
                    + spec.training().microBatchSize() + " x " + sequence + " tokens needs about " + m.describe()
                    + ", more than the largest memory budget a registered worker reported ("
                    + io.cgfed.core.train.TrainingMemory.gib(largest) + "): lower training.maxSequenceLength or"
                    + " training.microBatchSize, or turn on training.activationCheckpointing");
        }
    }

    /*
     * Views read the experiment row, then its rounds: in one snapshot (REPEATABLE READ; read-only, so
     * PostgreSQL never aborts it), or a round closing in between would show, say, round 1 EVALUATING
     * beside the codec version from before it.
     */
    @Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
    public List<ExperimentView> list() {
        return experiments.findAllByOrderByCreatedAtDesc().stream().map(this::view).toList();
    }

    @Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
    public ExperimentView get(UUID id) {
        return view(find(id));
    }

    @Transactional
    public ExperimentView cancel(UUID id) {
        Experiment e = find(id);
        if (e.getStatus().isFinal()) {
            throw ApiException.conflict("experiment " + id + " is already " + e.getStatus());
        }
        Instant now = Instant.now();
        e.finish(ExperimentStatus.CANCELLED, "cancelled by request", now);
        for (Task t : tasks.findByExperimentIdAndStatusIn(id, List.of(TaskStatus.PENDING, TaskStatus.ASSIGNED))) {
            t.cancel(now);
        }
        registry.afterCommit(id);
        return view(e);
    }

    public Experiment find(UUID id) {
        return experiments.findById(id).orElseThrow(() -> ApiException.notFound("no experiment " + id));
    }

    /** The experiment's spec, parsed once per experiment ({@link ExperimentSpecs}). */
    public ExperimentSpec spec(Experiment e) {
        return specs.of(e);
    }

    ExperimentView view(Experiment e) {
        ExperimentSpec spec = spec(e);
        List<ExperimentView.RoundSummary> summaries = rounds.findByExperimentIdOrderByRound(e.getId()).stream()
                .map(this::summary).toList();
        List<ExperimentView.AdapterSummary> versions = adapters.findByExperimentIdOrderByVersion(e.getId()).stream()
                .map(a -> new ExperimentView.AdapterSummary(a.getVersion(), a.getSha256(), a.getBytes(), a.getCreatedAt()))
                .toList();
        return new ExperimentView(e.getId(), e.getName(), e.getStatus(), e.getCurrentRound(), spec.rounds(),
                spec.codec().name(), e.getCodecVersion(), spec.codec().audit(), e.getFailureReason(), e.getCreatedAt(),
                e.getStartedAt(), e.getFinishedAt(), spec, summaries, versions);
    }

    public ExperimentView.RoundSummary summary(Round r) {
        // an open round shows the uploads accepted so far; later the count fixed at aggregation
        int received = r.getStatus() == RoundStatus.OPEN
                ? (int) uploads.countByExperimentIdAndRound(r.getExperimentId(), r.getRound()) : r.getUploads();
        Map<String, Double> byCategory = r.getAccuracyByCategory() == null ? Map.of()
                : json.readValue(r.getAccuracyByCategory(), DOUBLES);
        Long duration = r.getClosedAt() == null ? null : Duration.between(r.getOpenedAt(), r.getClosedAt()).toMillis();
        String table = null;
        if (!byCategory.isEmpty() && r.getExamplesByCategory() != null) {
            Map<String, Integer> examples = json.readValue(r.getExamplesByCategory(), INTEGERS);
            table = CEvalTable.markdown(List.of(CEvalTable.Column.of("Accuracy (%)", byCategory, examples)));
        }
        return new ExperimentView.RoundSummary(r.getRound(), r.getStatus().name(), r.getSelected(), received,
                r.getTrainLoss(), r.getEvalLoss(), r.getPerplexity(), r.getAccuracy(), byCategory, r.getUploadBytes(),
                r.getRawUpdateBytes(), duration, table, r.getCodecVersion(), r.getNextCodecVersion(), r.getAggregateCosine(),
                r.getAggregateDeltaWCosine(), r.getAuditedUpdates(), r.phases());
    }
}
