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
import io.cgfed.coordinator.task.TaskStatus;
import io.cgfed.coordinator.upload.UploadRepository;
import io.cgfed.coordinator.worker.Worker;
import io.cgfed.coordinator.worker.WorkerRepository;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import io.cgfed.service.support.LogContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import io.cgfed.core.codec.Codecs;
import java.util.Random;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Moves every active experiment forward, one step per tick, from the database alone (a restarted
 * coordinator picks up where the last one stopped): start when a worker is there, open rounds,
 * close them at quorum or deadline, hand evaluations, finish. Faults: a silent worker's tasks go to
 * live workers ({@link TaskReassigner}); a round below quorum at its deadline is re-opened while it
 * has {@code roundRetries} left, else it fails the experiment; a failed codec-service call is retried
 * with exponential backoff. Its log lines carry the experiment and round ({@link LogContext}).
 */
@Component
public class RoundDriver {
    private static final Logger log = LoggerFactory.getLogger(RoundDriver.class);
    private final ExperimentRepository experiments;
    private final ExperimentService experimentService;
    private final RoundRepository rounds;
    private final TaskRepository tasks;
    private final UploadRepository uploads;
    private final WorkerRepository workers;
    private final ClientAssignments assignments;
    private final AdapterStore adapters;
    private final RoundCloser closer;
    private final RegistrySync registry;
    private final CoordinatorProperties properties;
    private final TransactionTemplate tx;
    private final io.cgfed.coordinator.attachment.AttachmentRepository attachments;
    private final io.cgfed.coordinator.remote.CodecServiceClient codecService;
    private final io.cgfed.coordinator.blob.BlobStore blobs;
    private final TaskReassigner reassigner;
    private final CoordinatorMetrics metrics;
    private final ExperimentSteps steps;

    RoundDriver(io.cgfed.coordinator.attachment.AttachmentRepository attachments,
                io.cgfed.coordinator.remote.CodecServiceClient codecService, io.cgfed.coordinator.blob.BlobStore blobs,
                ExperimentRepository experiments, ExperimentService experimentService, RoundRepository rounds,
                TaskRepository tasks, UploadRepository uploads, WorkerRepository workers, ClientAssignments assignments,
                AdapterStore adapters, RoundCloser closer, RegistrySync registry, CoordinatorProperties properties,
                TransactionTemplate tx, TaskReassigner reassigner, CoordinatorMetrics metrics, ExperimentSteps steps) {
        this.steps = steps;
        this.reassigner = reassigner;
        this.metrics = metrics;
        this.experiments = experiments;
        this.experimentService = experimentService;
        this.rounds = rounds;
        this.tasks = tasks;
        this.uploads = uploads;
        this.workers = workers;
        this.assignments = assignments;
        this.adapters = adapters;
        this.closer = closer;
        this.registry = registry;
        this.properties = properties;
        this.tx = tx;
        this.attachments = attachments;
        this.codecService = codecService;
        this.blobs = blobs;
    }

    /**
     * Hands each active experiment's next step to {@link ExperimentSteps}: an experiment whose step is
     * still running (a slow codec-service call, a large aggregation) is skipped this tick, and holds up
     * no other experiment.
     */
    @Scheduled(fixedDelayString = "${cgfed.coordinator.tick}")
    public void tick() {
        for (Experiment e : experiments.findByStatusInOrderByCreatedAt(
                List.of(ExperimentStatus.PENDING, ExperimentStatus.RUNNING))) {
            UUID id = e.getId();
            steps.submit(id, () -> {
                try {
                    advance(id);
                } catch (org.springframework.dao.OptimisticLockingFailureException raced) {
                    log.debug("experiment {}: changed concurrently (a cancel?); next tick sees it", id);
                } catch (RuntimeException ex) {
                    log.warn("experiment {}: could not advance: {}", id, ex.toString());
                }
            });
        }
    }

    void advance(UUID experimentId) {
        Experiment e = experimentService.find(experimentId);
        try (LogContext context = LogContext.of(experimentId, e.getCurrentRound())) {
            if (e.getStatus() == ExperimentStatus.PENDING) {
                tx.executeWithoutResult(s -> start(experimentId));
                return;
            }
            if (e.getStatus() != ExperimentStatus.RUNNING) {
                return;
            }
            Round round = rounds.findByExperimentIdAndRound(experimentId, e.getCurrentRound()).orElseThrow();
            ExperimentSpec spec = experimentService.spec(e);
            if ((round.getStatus() == RoundStatus.COLLECTING || round.getStatus() == RoundStatus.OPEN
                    || round.getStatus() == RoundStatus.EVALUATING)
                    && reassigner.anyStale(experimentId, round.getRound(), spec, Instant.now())) {
                // the round row is locked only when there is something to hand over (uploads lock it too)
                tx.executeWithoutResult(s -> reassignStaleTasks(experimentId, round.getRound(), spec));
            }
            switch (round.getStatus()) {
                case COLLECTING -> tx.executeWithoutResult(s -> checkCollection(experimentId));
                case TRAINING_CODEC -> withBackoff(round, "TGAP codec training", () -> trainCodec(experimentId));
                case OPEN -> tx.executeWithoutResult(s -> checkOpenRound(experimentId, round.getRound()));
                case AGGREGATING -> withBackoff(round, "aggregation",
                        () -> closer.aggregate(experimentId, round.getRound()));
                case EVALUATING -> tx.executeWithoutResult(s -> checkEvaluation(experimentId, round.getRound(),
                        spec.roundDeadlineSeconds()));
                case CLOSED -> tx.executeWithoutResult(s -> next(experimentId, round.getRound()));
                case FAILED -> { }
            }
        }
    }

    /** A worker killed mid-task: its open tasks of this round go to live workers (see {@link TaskReassigner}). */
    private void reassignStaleTasks(UUID experimentId, int roundNo, ExperimentSpec spec) {
        Round round = rounds.lock(experimentId, roundNo).orElseThrow();
        if (round.getStatus() == RoundStatus.COLLECTING || round.getStatus() == RoundStatus.OPEN
                || round.getStatus() == RoundStatus.EVALUATING) {
            reassigner.sweep(experimentId, roundNo, spec, Instant.now());
        }
    }

    /**
     * A step that calls the codec-service (TGAP training, aggregation with FAF adaptation). When it
     * fails the round stays where it is and the next attempt waits: codec-retry-initial, doubled with
     * each failure in a row up to codec-retry-max, recorded in the round so that no tick (of this or
     * another coordinator) hammers a codec-service that is down or slow.
     */
    private void withBackoff(Round round, String what, Runnable step) {
        if (!round.mayRetry(Instant.now())) {
            return;
        }
        try {
            step.run();
        } catch (RuntimeException failed) {
            tx.executeWithoutResult(s -> {
                Round locked = rounds.lock(round.getExperimentId(), round.getRound()).orElseThrow();
                if (locked.getStatus() != round.getStatus()) {
                    return;
                }
                java.time.Duration wait = properties.codecRetryDelay(locked.getFailedCalls() + 1);
                locked.callFailed(failed.toString(), Instant.now().plus(wait));
                log.warn("{} failed ({} in a row), next attempt in {} ms: {}", what, locked.getFailedCalls(),
                        wait.toMillis(), failed.toString());
            });
        }
    }

    /** PENDING to RUNNING: bind clients to live workers, write adapter version 0, evaluate it (round 0). */
    private void start(UUID experimentId) {
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

    /** TGAP collection: on to codec training once every client (or a quorum by the deadline) has uploaded. */
    private void checkCollection(UUID experimentId) {
        Round round = rounds.lock(experimentId, 0).orElseThrow();
        if (round.getStatus() != RoundStatus.COLLECTING) {
            return;
        }
        Experiment e = experiments.findById(experimentId).orElseThrow();
        if (e.getStatus() != ExperimentStatus.RUNNING) {
            return; // cancelled (or finished) since this step began: its tasks were withdrawn on purpose
        }
        ExperimentSpec spec = experimentService.spec(e);
        long received = attachments.countByExperimentIdAndRoundAndKind(experimentId, 0,
                io.cgfed.coordinator.attachment.AttachmentKind.COLLECTION);
        List<Task> collect = tasks.findByExperimentIdAndRoundAndType(experimentId, 0, TaskType.COLLECT);
        Instant now = Instant.now();
        CollectionDecision decision = collection(round, spec, received, collect, false, now);
        switch (decision.next()) {
            case CLOSE -> {
                round.markTrainingCodec(now);
                cancelOpen(collect, "TGAP collection closed with " + received + " collections", now);
                log.info("experiment {}: TGAP collections from {} of {} clients, training codec version 1", experimentId,
                        received, round.getSelected());
            }
            case RETRY, FAIL -> retryOrFail(spec, e, round, collect, TaskType.COLLECT, decision, "TGAP collection got "
                    + received + " of the " + spec.quorum() + " client collections it needs"
                    + (decision.pastDeadline() ? " by its deadline" : ""), now);
            case WAIT -> { }
        }
    }

    /** What {@link CollectionDecision} needs to know of a collecting round, read from its tasks and the clock. */
    private static CollectionDecision collection(Round round, ExperimentSpec spec, long received, List<Task> issued,
                                                 boolean closeAtQuorum, Instant now) {
        return new CollectionDecision(received, round.getSelected(), spec.quorum(), closeAtQuorum,
                issued.stream().noneMatch(Task::isOpen), now.isAfter(round.getDeadlineAt()), round.getAttempt(),
                spec.roundRetries());
    }

    private void retryOrFail(ExperimentSpec spec, Experiment e, Round round, List<Task> issued, TaskType type,
                             CollectionDecision decision, String shortfall, Instant now) {
        if (decision.next() == CollectionDecision.Next.RETRY) {
            retry(spec, round, issued, type, shortfall, now);
        } else {
            fail(e, round, shortfall);
        }
    }

    /**
     * A round below its quorum with retries left ({@code roundRetries}) opens again with a new deadline:
     * what arrived stays, the clients that did not deliver get new tasks (with live workers).
     */
    private void retry(ExperimentSpec spec, Round round, List<Task> issued, TaskType type, String shortfall,
                       Instant now) {
        Set<Integer> delivered = new HashSet<>();
        if (type == TaskType.COLLECT) {
            attachments.findByExperimentIdAndRoundAndKindOrderByClientIndex(round.getExperimentId(), round.getRound(),
                    io.cgfed.coordinator.attachment.AttachmentKind.COLLECTION).forEach(a -> delivered.add(a.getClientIndex()));
        } else {
            uploads.findByExperimentIdAndRoundOrderByClientIndex(round.getExperimentId(), round.getRound())
                    .forEach(u -> delivered.add(u.getClientIndex()));
        }
        java.util.SortedSet<Integer> missing = new java.util.TreeSet<>();
        issued.forEach(t -> missing.add(t.getClientIndex()));
        missing.removeAll(delivered);
        reassigner.reissue(round.getExperimentId(), round.getRound(), type, missing, now);
        round.reopen(now.plusSeconds(spec.roundDeadlineSeconds()));
        metrics.roundRetried();
        log.warn("{}; re-opened (retry {} of {}) for clients {} until {}", shortfall, round.getAttempt(),
                spec.roundRetries(), missing, round.getDeadlineAt());
    }

    /** Tasks that can no longer count (their round moved on) are cancelled, so no worker starts them. */
    private static void cancelOpen(List<Task> issued, String reason, Instant now) {
        for (Task t : issued) {
            if (t.isOpen()) {
                t.cancel(reason, now);
            }
        }
    }

    /**
     * TGAP training, outside any transaction: hand the collection to the codec-service once (it keeps
     * the version; asking again returns it), then follow it until READY or FAILED.
     */
    private void trainCodec(UUID experimentId) {
        Experiment e = experimentService.find(experimentId);
        ExperimentSpec spec = experimentService.spec(e);
        io.cgfed.core.protocol.CodecVersionView version = codecService.version(experimentId, 1);
        if (version == null) {
            List<byte[]> snapshots = new ArrayList<>();
            for (var a : attachments.findByExperimentIdAndRoundAndKindOrderByClientIndex(experimentId, 0,
                    io.cgfed.coordinator.attachment.AttachmentKind.COLLECTION)) {
                snapshots.addAll(io.cgfed.core.codec.PayloadBatch.read(blobs.get(a.getBlobKey()), Integer.MAX_VALUE));
            }
            version = codecService.startTgap(experimentId, spec.codec().name(), spec.codec().settings(), snapshots);
            log.info("experiment {}: codec-service training codec version 1 on {} snapshots", experimentId, snapshots.size());
        }
        String status = version.status();
        String reason = version.failureReason();
        tx.executeWithoutResult(s -> {
            Round round = rounds.lock(experimentId, 0).orElseThrow();
            if (round.getStatus() != RoundStatus.TRAINING_CODEC) {
                return;
            }
            Experiment locked = experiments.findById(experimentId).orElseThrow();
            Instant now = Instant.now();
            switch (status) {
                case "READY" -> {
                    locked.useCodecVersion(1);
                    round.codec(null, 1);
                    round.codecTrained(now);
                    tasks.save(new Task(experimentId, 0, 0, TaskType.EVALUATE, assignments.workerOf(experimentId, 0), 0, now));
                    registry.afterCommit(experimentId);
                    metrics.codecVersion("TGAP");
                    log.info("experiment {}: codec version 1 READY", experimentId);
                }
                case "FAILED" -> fail(locked, round, "TGAP codec training failed: " + reason);
                default -> {
                    if (now.isAfter(round.getDeadlineAt().plus(properties.codecTrainingTimeout()))) {
                        fail(locked, round, "TGAP codec training did not finish within "
                                + properties.codecTrainingTimeout());
                    }
                }
            }
        });
    }

    private void checkOpenRound(UUID experimentId, int roundNo) {
        Round round = rounds.lock(experimentId, roundNo).orElseThrow();
        if (round.getStatus() != RoundStatus.OPEN) {
            return;
        }
        Experiment e = experiments.findById(experimentId).orElseThrow();
        if (e.getStatus() != ExperimentStatus.RUNNING) {
            return; // cancelled (or finished) since this step began: its tasks were withdrawn on purpose
        }
        ExperimentSpec spec = experimentService.spec(e);
        long received = uploads.countByExperimentIdAndRound(experimentId, roundNo);
        List<Task> train = tasks.findByExperimentIdAndRoundAndType(experimentId, roundNo, TaskType.TRAIN);
        Instant now = Instant.now();
        CollectionDecision decision = collection(round, spec, received, train, spec.closeAtQuorum(), now);
        switch (decision.next()) {
            case CLOSE -> {
                round.markAggregating(now);
                // over-selection: the clients still training are too late; their uploads will be refused
                cancelOpen(train, "round " + roundNo + " closed with " + received + " uploads", now);
                log.info("experiment {} round {}: {} of {} uploads, aggregating", experimentId, roundNo, received,
                        round.getSelected());
            }
            case RETRY, FAIL -> retryOrFail(spec, e, round, train, TaskType.TRAIN, decision, "round " + roundNo + " got "
                    + received + " of the " + spec.quorum() + " uploads it needs"
                    + (decision.pastDeadline() ? " by its deadline" : ""), now);
            case WAIT -> { }
        }
    }

    /** An evaluation gets the round deadline's length again, counted from aggregation. */
    private void checkEvaluation(UUID experimentId, int roundNo, int deadlineSeconds) {
        Round round = rounds.lock(experimentId, roundNo).orElseThrow();
        if (round.getStatus() != RoundStatus.EVALUATING) {
            return;
        }
        Experiment e = experiments.findById(experimentId).orElseThrow();
        if (e.getStatus() != ExperimentStatus.RUNNING) {
            return; // cancelled (or finished) since this step began: its tasks were withdrawn on purpose
        }
        for (Task t : tasks.findByExperimentIdAndRoundAndType(experimentId, roundNo, TaskType.EVALUATE)) {
            if (t.getStatus() == TaskStatus.FAILED) {
                fail(e, round, "evaluation of round " + roundNo + " failed: " + t.getFailureReason());
                return;
            }
        }
        Instant since = round.getAggregatedAt() != null ? round.getAggregatedAt() : round.getOpenedAt();
        if (Instant.now().isAfter(since.plusSeconds(deadlineSeconds))) {
            fail(e, round, "evaluation of round " + roundNo + " was not reported within " + deadlineSeconds + " s");
        }
    }

    /** After a closed round: open the next one, or complete the experiment. */
    private void next(UUID experimentId, int closedRound) {
        Experiment e = experiments.lock(experimentId).orElseThrow();
        if (e.getStatus() != ExperimentStatus.RUNNING || e.getCurrentRound() != closedRound) {
            return;
        }
        ExperimentSpec spec = experimentService.spec(e);
        Instant now = Instant.now();
        registry.afterCommit(experimentId);
        if (closedRound >= spec.rounds()) {
            e.finish(ExperimentStatus.COMPLETED, null, now);
            // tasks claimed by workers that never reported (dead, or still on a closed round) end with it
            for (Task t : tasks.findByExperimentIdAndStatusIn(experimentId, List.of(TaskStatus.PENDING, TaskStatus.ASSIGNED))) {
                t.cancel(now);
            }
            log.info("experiment {} completed after {} rounds", experimentId, closedRound);
            return;
        }
        int roundNo = closedRound + 1;
        List<Integer> selected = selectClients(spec, roundNo);
        rounds.save(new Round(experimentId, roundNo, RoundStatus.OPEN, selected.size(), now,
                now.plusSeconds(spec.roundDeadlineSeconds())));
        boolean contribute = contributes(spec, roundNo);
        for (int client : selected) {
            tasks.save(new Task(experimentId, roundNo, client, TaskType.TRAIN, assignments.workerOf(experimentId, client),
                    closedRound, e.getCodecVersion(), contribute, now));
        }
        e.advanceTo(roundNo);
        metrics.roundOpened();
        MDC.put(LogContext.ROUND, Integer.toString(roundNo));
        log.info("experiment {} round {} open: clients {}", experimentId, roundNo, selected);
    }

    /** FAF adaptive mode from the clients: every {@code adaptEvery} rounds the selected clients send contributions. */
    static boolean contributes(ExperimentSpec spec, int roundNo) {
        return adapts(spec, roundNo) && "clients".equals(
                io.cgfed.core.codec.cgae.CgaeSettings.of(spec.codec().settings()).adaptFrom());
    }

    /** FAF adaptive mode: whether the codec-service publishes a new codec version after this round. */
    public static boolean adapts(ExperimentSpec spec, int roundNo) {
        if (!Codecs.learned(spec.codec().name())) {
            return false;
        }
        int every = io.cgfed.core.codec.cgae.CgaeSettings.of(spec.codec().settings()).adaptEvery();
        return every > 0 && roundNo % every == 0;
    }

    /** ceil(fraction x clients) distinct clients, drawn under (seed, round) so a rerun selects the same. */
    static List<Integer> selectClients(ExperimentSpec spec, int round) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < spec.clients(); i++) {
            all.add(i);
        }
        Collections.shuffle(all, new Random(spec.seed() * 31 + round));
        List<Integer> chosen = new ArrayList<>(all.subList(0, spec.clientsPerRound()));
        Collections.sort(chosen);
        return chosen;
    }

    private void fail(Experiment e, Round round, String reason) {
        if (e.getStatus().isFinal()) {
            return; // a cancel that committed first stands
        }
        Instant now = Instant.now();
        round.fail(now);
        metrics.roundFailed();
        e.finish(ExperimentStatus.FAILED, reason, now);
        for (Task t : tasks.findByExperimentIdAndStatusIn(e.getId(), List.of(TaskStatus.PENDING, TaskStatus.ASSIGNED))) {
            t.cancel(now);
        }
        registry.afterCommit(e.getId());
        log.warn("experiment {} failed: {}", e.getId(), reason);
    }
}
