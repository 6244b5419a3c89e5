package io.cgfed.coordinator.round;

import io.cgfed.coordinator.adapter.AdapterStore;
import io.cgfed.coordinator.blob.BlobStore;
import io.cgfed.coordinator.metrics.CoordinatorMetrics;
import io.cgfed.service.support.LogContext;
import java.time.Duration;
import io.cgfed.coordinator.remote.CodecServiceClient;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.coordinator.upload.Upload;
import io.cgfed.coordinator.upload.UploadRepository;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.coordinator.attachment.AttachmentKind;
import io.cgfed.coordinator.attachment.AttachmentRepository;
import io.cgfed.coordinator.experiment.ExperimentRepository;
import io.cgfed.coordinator.experiment.ExperimentService;
import io.cgfed.core.aggregation.AggregationRule;
import io.cgfed.core.aggregation.ServerOptimizer;
import io.cgfed.core.aggregation.Strategies;
import io.cgfed.core.aggregation.Strategy;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.protocol.ExperimentSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * Closes an AGGREGATING round, the shell around {@link AggregationPlan} (which updates go in, the weight cap,
 * the summary, whether the answer may still be applied): the codec-service decodes and averages the included
 * uploads (outside any database transaction), then one transaction stores the new adapter version, the
 * round's metrics and the evaluation task. If the codec-service fails, the round stays AGGREGATING and the
 * round driver tries again after a backoff: nothing is half-applied.
 */
@Component
public class RoundCloser {
    private static final Logger log = LoggerFactory.getLogger(RoundCloser.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private final UploadRepository uploads;
    private final RoundRepository rounds;
    private final TaskRepository tasks;
    private final AdapterStore adapters;
    private final BlobStore blobs;
    private final CodecServiceClient codecService;
    private final ClientAssignments assignments;
    private final TransactionTemplate tx;
    private final ObjectMapper json;
    private final AttachmentRepository attachments;
    private final ExperimentService experimentService;
    private final ExperimentRepository experiments;
    private final CoordinatorMetrics metrics;
    private final UpdateQuarantine quarantine;
    private final WeightCap weightCap;
    private final AggregationAudit auditor;
    private final SecureRoundCloser secure;

    RoundCloser(UploadRepository uploads, RoundRepository rounds, TaskRepository tasks, AdapterStore adapters,
                BlobStore blobs, CodecServiceClient codecService, ClientAssignments assignments, TransactionTemplate tx,
                ObjectMapper json, AttachmentRepository attachments, ExperimentService experimentService,
                ExperimentRepository experiments, CoordinatorMetrics metrics, UpdateQuarantine quarantine,
                WeightCap weightCap, AggregationAudit auditor, SecureRoundCloser secure) {
        this.secure = secure;
        this.auditor = auditor;
        this.quarantine = quarantine;
        this.weightCap = weightCap;
        this.metrics = metrics;
        this.attachments = attachments;
        this.experimentService = experimentService;
        this.experiments = experiments;
        this.uploads = uploads;
        this.rounds = rounds;
        this.tasks = tasks;
        this.adapters = adapters;
        this.blobs = blobs;
        this.codecService = codecService;
        this.assignments = assignments;
        this.tx = tx;
        this.json = json;
    }

    public void aggregate(UUID experimentId, int roundNo) {
        try (LogContext context = LogContext.of(experimentId, roundNo)) {
            long start = System.nanoTime();
            if (aggregateOnce(experimentId, roundNo)) {
                metrics.roundClosedIn(Duration.ofNanos(System.nanoTime() - start));
            }
        }
    }

    /** True when this call applied the round (false when another had already). */
    private boolean aggregateOnce(UUID experimentId, int roundNo) {
        ExperimentSpec secureSpec = experimentService.spec(experimentService.find(experimentId));
        if (secureSpec.secureAggregation().enabled()) {
            return secure.aggregate(experimentId, roundNo, secureSpec); // the unmasked sum, no uploads to decode
        }
        AggregationPlan plan = AggregationPlan.of(
                uploads.findByExperimentIdAndRoundOrderByClientIndex(experimentId, roundNo), quarantine, weightCap);
        // streamed from the blob files to the codec-service (which sums them as they come): the round is
        // never in this process's memory
        List<PayloadBatch.Part> payloads = new ArrayList<>();
        for (Upload u : plan.included()) {
            payloads.add(blobs.part(u.getBlobKey()));
        }
        ExperimentSpec spec = experimentService.spec(experimentService.find(experimentId));
        List<io.cgfed.core.tensor.TensorSpec> layout = io.cgfed.coordinator.experiment.SpecRules.updateLayout(spec);
        long aggregationStart = System.nanoTime();
        NamedTensors previous = adapters.load(experimentId, roundNo - 1);
        // every update quarantined (an absolute cap can do that): the adapter stays as it was
        CodecServiceClient.Combined combined = plan.keepsAdapter() ? null
                : codecService.combine(layout, previous, payloads, plan.maxClientSamples(), spec.aggregation());
        NamedTensors update = combined == null ? null : combined.update();
        // the strategy's server step, from the state stored with the previous version (FedAvg: the update as is)
        Strategy strategy = Strategies.create(spec.aggregation().name(), spec.aggregation().settings());
        NamedTensors previousState = strategy.optimizer() == ServerOptimizer.PLAIN ? null
                : adapters.serverState(experimentId, roundNo - 1);
        ServerOptimizer.Step step = update == null ? null : strategy.optimizer().step(update, previousState);
        long aggregationNanos = System.nanoTime() - aggregationStart;
        // the change names every factor the clients train (FFA-LoRA: B only, A stays)
        NamedTensors next = step == null ? previous : previous.plusPart(step.change());
        NamedTensors nextState = step == null ? previousState : step.state();
        String diagnostics = diagnostics(strategy, combined, step);
        List<Task> train = tasks.findByExperimentIdAndRoundAndType(experimentId, roundNo, TaskType.TRAIN);
        Integer usedVersion = Codecs.learned(spec.codec().name()) && !train.isEmpty() ? train.get(0).getCodecVersion() : null;
        long codecStart = System.nanoTime();
        Integer nextVersion = plan.keepsAdapter() ? null : adaptCodec(experimentId, roundNo, spec, usedVersion, train, payloads);
        Long codecMs = nextVersion == null ? null : (System.nanoTime() - codecStart) / 1_000_000;
        AggregationAudit.Audit audit = spec.codec().audit() && update != null
                // the audit compares means: a robust rule's combination is not one, so the audit asks for the mean
                ? auditor.audit(experimentId, roundNo, layout, plan.included(), payloads,
                        strategy.rule() == AggregationRule.MEAN ? update : null, plan.maxClientSamples(), previous, next,
                        spec.lora().toConfig().scaling())
                : null;
        long applyStart = System.nanoTime();
        return Boolean.TRUE.equals(tx.execute(s -> {
            Round round = rounds.lock(experimentId, roundNo).orElseThrow();
            String skip = AggregationPlan.whyNotApply(round.getStatus(),
                    experiments.findById(experimentId).orElseThrow().getStatus());
            if (skip != null) {
                log.info("experiment {} round {}: aggregation not applied: {}", experimentId, roundNo, skip);
                return false;
            }
            adapters.save(experimentId, roundNo, next, nextState, diagnostics);
            plan.quarantined().forEach((client, reason) -> {
                uploads.quarantine(experimentId, roundNo, client, reason);
                log.warn("experiment {} round {}: client {}'s update quarantined, not aggregated: {}", experimentId, roundNo,
                        client, reason);
            });
            round.codec(usedVersion, nextVersion);
            if (nextVersion != null) {
                experiments.findById(experimentId).orElseThrow().useCodecVersion(nextVersion);
            }
            if (audit != null) {
                round.audited(audit.cosine(), audit.updates(), audit.deltaWCosine());
            }
            round.aggregated(plan.included().size(), plan.wireBytes(), plan.rawBytes(), plan.trainLoss(),
                    json.writeValueAsString(clientRecords(plan)), Instant.now());
            // aggregation: the codec-service's decode + FedAvg and this transaction (the codec's refit apart)
            round.phaseTimes((aggregationNanos + System.nanoTime() - applyStart) / 1_000_000, codecMs);
            tasks.save(new Task(experimentId, roundNo, plan.evaluator(), TaskType.EVALUATE,
                    assignments.workerOf(experimentId, plan.evaluator()), roundNo, Instant.now()));
            if (nextVersion != null) {
                metrics.codecVersion("FAF");
            }
            log.info("experiment {} round {}: aggregated {} updates ({} samples; {} quarantined) into adapter version {}",
                    experimentId, roundNo, plan.included().size(), plan.samples(), plan.quarantined().size(), roundNo);
            return true;
        }));
    }

    /** What the strategy did for this round, as the adapter version records it (JSON object). */
    private String diagnostics(Strategy strategy, CodecServiceClient.Combined combined, ServerOptimizer.Step step) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("strategy", strategy.name());
        if (combined != null) {
            d.putAll(json.readValue(combined.diagnostics(), MAP));
        }
        if (step != null) {
            d.put("serverStepNorm", step.changeNorm());
        }
        return json.writeValueAsString(d);
    }

    /** The round's per-client record: each included client's numbers and metrics, then each quarantined one's reason. */
    private List<Map<String, Object>> clientRecords(AggregationPlan plan) {
        List<Map<String, Object>> clients = new ArrayList<>();
        for (Upload u : plan.included()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("client", u.getClientIndex());
            c.put("samples", u.getSamples());
            c.put("wireBytes", u.getWireBytes());
            c.put("rawBytes", u.getRawBytes());
            c.putAll(json.readValue(u.getMetrics(), MAP));
            clients.add(c);
        }
        for (Upload u : plan.all()) {
            String reason = plan.quarantined().get(u.getClientIndex());
            if (reason != null) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("client", u.getClientIndex());
                c.put("samples", u.getSamples());
                c.put("wireBytes", u.getWireBytes());
                c.put("quarantined", reason);
                clients.add(c);
            }
        }
        return clients;
    }

    /**
     * FAF: after an adapting round the codec-service publishes the next codec version, refitted on the
     * round's decoded updates ({@code adaptFrom: server}) or from the contributions the clients sent.
     */
    private Integer adaptCodec(UUID experimentId, int roundNo, ExperimentSpec spec, Integer usedVersion, List<Task> train,
                               List<PayloadBatch.Part> payloads) {
        if (usedVersion == null || !RoundPlan.adapts(spec, roundNo)) {
            return null;
        }
        if (train.stream().noneMatch(Task::isContribute)) {
            int version = codecService.refit(experimentId, usedVersion, payloads).version();
            log.info("experiment {} round {}: codec version {} refitted from {} on {} decoded updates", experimentId,
                    roundNo, version, usedVersion, payloads.size());
            return version;
        }
        List<byte[]> contributions = new ArrayList<>();
        for (var a : attachments.findByExperimentIdAndRoundAndKindOrderByClientIndex(experimentId, roundNo,
                AttachmentKind.CONTRIBUTION)) {
            contributions.add(blobs.get(a.getBlobKey()));
        }
        if (contributions.isEmpty()) {
            log.warn("experiment {} round {}: FAF contributions were asked for but none arrived; codec version {} stays",
                    experimentId, roundNo, usedVersion);
            return null;
        }
        int version = codecService.adapt(experimentId, usedVersion, contributions).version();
        log.info("experiment {} round {}: codec version {} adapted from {} with {} contributions", experimentId, roundNo,
                version, usedVersion, contributions.size());
        return version;
    }
}
