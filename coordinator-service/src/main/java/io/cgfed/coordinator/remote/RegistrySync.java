package io.cgfed.coordinator.remote;

import io.cgfed.coordinator.experiment.Experiment;
import io.cgfed.coordinator.experiment.ExperimentRepository;
import io.cgfed.coordinator.round.Round;
import io.cgfed.coordinator.round.RoundRepository;
import io.cgfed.coordinator.round.RoundStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * Mirrors an experiment and all its closed rounds into the registry after each committed change.
 * Every sync sends the whole record, so one that failed is repaired by the next.
 */
@Component
public class RegistrySync {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private final RegistryClient client;
    private final ExperimentRepository experiments;
    private final RoundRepository rounds;
    private final ObjectMapper json;

    private final CodecServiceClient codecService;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RegistrySync.class);

    private final io.cgfed.coordinator.round.ClientOutcomes clientOutcomes;

    private final io.cgfed.coordinator.experiment.ExperimentSpecs specs;
    private final io.cgfed.coordinator.adapter.AdapterStore adapters;

    RegistrySync(RegistryClient client, ExperimentRepository experiments, RoundRepository rounds, ObjectMapper json,
                 CodecServiceClient codecService, io.cgfed.coordinator.round.ClientOutcomes clientOutcomes,
                 io.cgfed.coordinator.experiment.ExperimentSpecs specs, io.cgfed.coordinator.adapter.AdapterStore adapters) {
        this.adapters = adapters;
        this.specs = specs;
        this.clientOutcomes = clientOutcomes;
        this.codecService = codecService;
        this.client = client;
        this.experiments = experiments;
        this.rounds = rounds;
        this.json = json;
    }

    /** Closed rounds sent again at most this often when nothing in them changed. */
    static final Duration RESEND_AFTER = Duration.ofMinutes(10);
    /** Per experiment and round, what the registry last took (in memory: after a restart everything goes once more). */
    private final Map<UUID, Map<Integer, Sent>> sent = new ConcurrentHashMap<>();

    /** Syncs once the current transaction commits (at once when there is none). */
    public void afterCommit(UUID experimentId) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    sync(experimentId);
                }
            });
        } else {
            sync(experimentId);
        }
    }

    /** The codec-service's versions without weights; empty when it cannot be reached (the next sync retries). */
    private List<Map<String, Object>> codecVersions(UUID experimentId) {
        try {
            return codecService.versions(experimentId).stream().map(v -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("version", v.version());
                m.put("origin", v.origin());
                m.put("parentVersion", v.parentVersion());
                m.put("status", v.status());
                m.put("architecture", v.architecture());
                m.put("settings", v.settings());
                m.put("snapshots", v.snapshots());
                m.put("quality", v.quality());
                m.put("history", v.history());
                m.put("failureReason", v.failureReason());
                m.put("weightsBytes", v.weightsBytes());
                m.put("weightsSha256", v.weightsSha256());
                m.put("createdAt", v.createdAt() == null ? null : v.createdAt().toString());
                m.put("finishedAt", v.finishedAt() == null ? null : v.finishedAt().toString());
                return m;
            }).toList();
        } catch (RuntimeException unreachable) {
            log.debug("experiment {}: codec versions not available: {}", experimentId, unreachable.toString());
            return List.of();
        }
    }

    public void sync(UUID experimentId) {
        Experiment e = experiments.findById(experimentId).orElse(null);
        if (e == null) {
            return;
        }
        Map<String, Object> spec = json.readValue(e.getSpec(), MAP);
        int deadlineSeconds = specs.of(e).roundDeadlineSeconds();
        List<Round> closed = rounds.findByExperimentIdOrderByRound(experimentId).stream()
                .filter(r -> r.getStatus() == RoundStatus.CLOSED).toList();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("currentRound", e.getCurrentRound());
        summary.put("uploadBytes", closed.stream().mapToLong(Round::getUploadBytes).sum());
        summary.put("rawUpdateBytes", closed.stream().mapToLong(Round::getRawUpdateBytes).sum());
        if (!closed.isEmpty()) {
            Round last = closed.get(closed.size() - 1);
            summary.put("finalEvalLoss", last.getEvalLoss());
            summary.put("finalAccuracy", last.getAccuracy());
        }
        if (e.getFailureReason() != null) {
            summary.put("failureReason", e.getFailureReason());
        }
        Map<?, ?> codec = (Map<?, ?>) spec.get("codec");
        if (Boolean.TRUE.equals(codec.get("audit"))) {
            summary.put("audit", true);
            summary.put("warning", "audit mode: workers uploaded their raw updates for measurement; this run is not "
                    + "private and its setup must not be used with sensitive data");
        }
        if (io.cgfed.core.codec.Codecs.learned(String.valueOf(codec.get("name")))) {
            summary.put("codecVersion", e.getCodecVersion());
            summary.put("codecVersions", codecVersions(experimentId));
        }
        io.cgfed.core.protocol.ExperimentRecord record = new io.cgfed.core.protocol.ExperimentRecord(e.getId(), e.getName(),
                e.getStatus().name(), String.valueOf(codec.get("name")), spec, summary, e.getCreatedAt(), null);
        if (!client.experiment(record)) {
            return;
        }
        // closed rounds, and a round that failed (with the experiment's reason): every round is on record
        // what the strategy did for each adapter version, read once for all the rounds below
        Map<Integer, String> strategyByVersion = adapters.diagnosticsByVersion(experimentId);
        List<Round> recorded = rounds.findByExperimentIdOrderByRound(experimentId).stream()
                .filter(r -> r.getStatus() == RoundStatus.CLOSED || r.getStatus() == RoundStatus.FAILED).toList();
        for (Round r : recorded) {
            Map<String, Object> metrics = new LinkedHashMap<>();
            if (r.getStatus() == RoundStatus.FAILED) {
                metrics.put("status", "FAILED");
                metrics.put("failureReason", e.getFailureReason());
            }
            metrics.put("perplexity", r.getPerplexity());
            metrics.put("selected", r.getSelected());
            if (r.getAccuracyByCategory() != null) {
                metrics.put("accuracyByCategory", json.readValue(r.getAccuracyByCategory(), MAP));
            }
            if (r.getExamplesByCategory() != null) {
                metrics.put("examplesByCategory", json.readValue(r.getExamplesByCategory(), MAP));
            }
            // every client the round gave a task, with its outcome (ON_TIME, LATE, FAILED) and what it sent
            List<Map<String, Object>> clientRows = clientOutcomes.rows(r, deadlineSeconds);
            if (!clientRows.isEmpty()) {
                metrics.put("clients", clientRows);
            } else if (r.getClientMetrics() != null) {
                metrics.put("clients", json.readValue(r.getClientMetrics(), List.class));
            }
            metrics.put("phases", r.phases());
            metrics.put("attempt", r.getAttempt());
            if (r.getCodecVersion() != null) {
                metrics.put("codecVersion", r.getCodecVersion());
            }
            if (r.getNextCodecVersion() != null) {
                metrics.put("nextCodecVersion", r.getNextCodecVersion());
            }
            // what the strategy did for the adapter this round made (Krum's chosen clients, the server step norm)
            String strategy = r.getRound() == 0 ? null : strategyByVersion.get(r.getRound());
            if (strategy != null) {
                metrics.put("strategy", json.readValue(strategy, MAP));
            }
            if (r.getAggregateCosine() != null) {
                metrics.put("aggregateCosine", r.getAggregateCosine());
                if (r.getAggregateDeltaWCosine() != null) {
                    metrics.put("aggregateDeltaWCosine", r.getAggregateDeltaWCosine());
                }
                metrics.put("auditedUpdates", r.getAuditedUpdates());
            }
            io.cgfed.core.protocol.RoundRecord body = new io.cgfed.core.protocol.RoundRecord(r.getRound(), r.getUploads(),
                    r.getTrainLoss(), r.getEvalLoss(), r.getAccuracy(), r.getUploadBytes(), r.getRawUpdateBytes(),
                    Duration.between(r.getOpenedAt(), r.getClosedAt()).toMillis(), metrics, r.getClosedAt());
            // a closed round rarely changes (a late upload's outcome can): sent again only when it did, or
            // after RESEND_AFTER (a registry that lost it gets it back), not on every sync of the experiment
            String digest = io.cgfed.coordinator.blob.BlobStore.sha256(json.writeValueAsBytes(body));
            Map<Integer, Sent> sent = this.sent.computeIfAbsent(experimentId, k -> new ConcurrentHashMap<>());
            Sent last = sent.get(r.getRound());
            Instant now = Instant.now();
            if (last != null && last.digest().equals(digest) && last.at().plus(RESEND_AFTER).isAfter(now)) {
                continue;
            }
            if (client.round(experimentId, r.getRound(), body)) {
                sent.put(r.getRound(), new Sent(digest, now));
            }
        }
    }

    /** What the registry last took for a round, and when. */
    private record Sent(String digest, Instant at) {
    }
}
