package io.cgfed.worker.task;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.ErrorFeedback;
import io.cgfed.core.privacy.GaussianMechanism;
import io.cgfed.core.privacy.RdpAccountant;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.codec.ReconstructionQuality;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.data.ClientData;
import io.cgfed.core.data.InstructionExample;
import io.cgfed.core.data.MultipleChoiceExample;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.protocol.EvaluationReport;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.core.train.Evaluator;
import io.cgfed.core.train.LocalTrainer;
import io.cgfed.core.train.TrainingConfig;
import io.cgfed.worker.WorkerProperties;
import io.cgfed.worker.client.CoordinatorClient;
import io.cgfed.worker.model.ModelHost;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs one task. TRAIN: start from the global adapter, train on this client's shard, take the
 * update (local minus global), encode it, measure what the codec lost, upload. EVALUATE: score the
 * global adapter on the held-out set.
 */
@Component
public class TaskRunner {
    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);
    private final CoordinatorClient coordinator;
    private final ModelHost models;
    private final WorkerProperties properties;
    private final ErrorFeedback errorFeedback = new ErrorFeedback();
    private final io.cgfed.core.util.LruCache<String, ClientData.Shards<?>> shardCache = new io.cgfed.core.util.LruCache<>(8);

    private final TaskMemory memory;

    private final TaskTimings timings;

    TaskRunner(CoordinatorClient coordinator, ModelHost models, WorkerProperties properties, TaskMemory memory,
               TaskTimings timings) {
        this.timings = timings;
        this.memory = memory;
        this.coordinator = coordinator;
        this.models = models;
        this.properties = properties;
    }

    public void run(UUID workerId, TaskMessage task) {
        java.time.Duration patience = patience(task);
        switch (task.type()) {
            case TRAIN -> {
                Trained out = models.exclusive(() -> train(task));
                // a contribution and an audit copy go first: the update completes the task
                if (out.contribution() != null) {
                    coordinator.attachment(workerId, task.taskId(), "contribution", out.contribution(), patience);
                }
                if (out.audit() != null) {
                    coordinator.attachment(workerId, task.taskId(), "audit", out.audit(), patience);
                }
                long u0 = System.nanoTime();
                coordinator.upload(workerId, task.taskId(), out.payload(), patience);
                timings.uploaded((System.nanoTime() - u0) / 1e9);
            }
            case COLLECT -> coordinator.attachment(workerId, task.taskId(), "collection",
                    models.exclusive(() -> collect(task)), patience);
            case EVALUATE -> coordinator.evaluation(workerId, task.taskId(), models.exclusive(() -> evaluate(task)),
                    patience);
        }
    }

    /** How long a task's reports are retried while the coordinator is away: its round deadline (at least 1 s). */
    static java.time.Duration patience(TaskMessage task) {
        return java.time.Duration.ofSeconds(Math.max(1, task.spec().roundDeadlineSeconds()));
    }

    /**
     * What a TRAIN task sends: the encoded update payload; the FAF contribution when the task asks for
     * one; the raw update (an uncompressed payload) in audit mode.
     */
    record Trained(byte[] payload, byte[] contribution, byte[] audit) {
    }

    private record Local(LocalTrainer.TrainingResult result, int samples) {
    }

    /** Local training from whatever adapter the model holds, on this client's D2 shard or (TGAP) its D1 share. */
    private Local trainLocally(ExperimentSpec spec, LlamaModel model, int client, long seed, boolean tgap) {
        ExperimentSpec.Training t = spec.training();
        int cap = t.sequenceCap(model.config().maxPositionEmbeddings());
        TrainingConfig config = new TrainingConfig(t.localSteps(), t.batchSize(), t.microBatchSize(), t.learningRate(),
                t.warmupSteps(), t.weightDecay(), t.maxGradNorm(), seed, models.checkpointing(spec), cap);
        LocalTrainer trainer = new LocalTrainer(models.tokenizer(spec));
        if (ClientData.isInstructions(spec.dataset())) {
            var shards = instructions(spec, client);
            List<InstructionExample> shard = tgap ? shards.tgap() : shards.train();
            requireData(shard, tgap, client);
            memory.require(spec, trainer.longestInstructionSequence(shard, cap));
            return new Local(trainer.trainInstructions(model, shard, config), shard.size());
        }
        var shards = questions(spec, client);
        List<MultipleChoiceExample> shard = tgap ? shards.tgap() : shards.train();
        requireData(shard, tgap, client);
        memory.require(spec, trainer.longestSequence(shard, cap));
        return new Local(trainer.train(model, shard, config), shard.size());
    }

    private static void requireData(List<?> shard, boolean tgap, int client) {
        if (shard.isEmpty()) {
            throw new IllegalStateException("client " + client + " has no " + (tgap ? "D1 (TGAP) data: raise dataset.tgapFraction"
                    : "training data"));
        }
    }

    /**
     * TGAP collection: from the task's adapter, {@code collectRounds} rounds of local training on this
     * client's D1 share, each continuing from the last; one uncompressed snapshot of each round's
     * increment (the same kind of object FAF encodes), as a CGFB batch.
     */
    byte[] collect(TaskMessage task) {
        ExperimentSpec spec = task.spec();
        io.cgfed.core.codec.cgae.CgaeSettings settings = io.cgfed.core.codec.cgae.CgaeSettings.of(spec.codec().settings());
        LlamaModel model = models.model(spec);
        NamedTensors start = SafeTensors.read(coordinator.adapter(task.experimentId(), task.adapterVersion(), patience(task)));
        model.loadAdapter(start);
        Codec none = Codecs.create("none", null);
        List<byte[]> snapshots = new java.util.ArrayList<>();
        long t0 = System.nanoTime();
        for (int step = 1; step <= settings.collectRounds(); step++) {
            long seed = io.cgfed.core.protocol.Seeds.collectionStep(spec.seed(), step, task.clientIndex());
            Local local = trainLocally(spec, model, task.clientIndex(), seed, true);
            NamedTensors now = model.adapter();
            NamedTensors increment = now.minus(start);
            start = now;
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("step", (double) step);
            metrics.put("trainLoss", local.result().meanLoss());
            metrics.put("updateNorm", norm(increment));
            PayloadHeader header = new PayloadHeader(task.experimentId().toString(), task.round(), task.clientIndex(),
                    none.name(), 0, local.samples(), TensorSpec.manifestOf(increment), metrics);
            // uncompressed by design, so format 1: the manifest in its header teaches the codec-service the layout
            snapshots.add(new UpdatePayload(header, none.encode(increment)).toBytesV1());
        }
        log.info("experiment {} client {}: TGAP collected {} snapshots in {} ms", task.experimentId(), task.clientIndex(),
                snapshots.size(), (System.nanoTime() - t0) / 1_000_000);
        return io.cgfed.core.codec.PayloadBatch.write(snapshots);
    }

    /** A learned codec's trained versions, downloaded once each (a few recent ones kept). */
    private final io.cgfed.core.util.LruCache<String, io.cgfed.core.codec.cgae.CgaeCodec> learnedCodecs =
            new io.cgfed.core.util.LruCache<>(4);

    private Codec codecFor(TaskMessage task, long seed) {
        ExperimentSpec spec = task.spec();
        if (Codecs.learned(spec.codec().name())) {
            return learnedCodecs.computeIfAbsent(task.experimentId() + "/" + task.codecVersion(), k ->
                    new io.cgfed.core.codec.cgae.CgaeCodec(io.cgfed.core.codec.cgae.CodecModel.read(
                            coordinator.codecModel(task.experimentId(), task.codecVersion(), patience(task)))));
        }
        // stochastic codecs (qsgd) draw from a seed per client and round unless the spec fixes one
        Map<String, Object> codecSettings = new java.util.HashMap<>(spec.codec().settings());
        codecSettings.putIfAbsent("seed", seed);
        return Codecs.create(spec.codec().name(), codecSettings);
    }

    /** Trains and returns what the task uploads (package-visible for tests). */
    Trained train(TaskMessage task) {
        ExperimentSpec spec = task.spec();
        memory.requireFixed(spec); // before the base model takes its memory
        long m0 = System.nanoTime();
        LlamaModel model = models.model(spec);
        long a0 = System.nanoTime();
        NamedTensors global = SafeTensors.read(coordinator.adapter(task.experimentId(), task.adapterVersion(), patience(task)));
        model.loadAdapter(global);
        long seed = io.cgfed.core.protocol.Seeds.task(spec.seed(), task.round(), task.clientIndex());
        long t0 = System.nanoTime();
        Local local = trainLocally(spec, model, task.clientIndex(), seed, false);
        LocalTrainer.TrainingResult result = local.result();
        int samples = local.samples();
        long trainMs = (System.nanoTime() - t0) / 1_000_000;
        NamedTensors update = model.adapter().minus(global);
        ExperimentSpec.Privacy privacy = spec.codec().privacy();
        GaussianMechanism dp = null;
        double originalNorm = 0;
        if (privacy != null) {
            dp = GaussianMechanism.forBudget(privacy.epsilon(), privacy.delta(), privacy.clipNorm(), spec.rounds());
            GaussianMechanism.Result privatised = dp.apply(update, seed ^ 0x5DEECE66DL);
            originalNorm = privatised.originalNorm();
            update = privatised.update();
        }
        // robustness experiment: Gaussian noise on the codec's input; quality is then also measured
        // against the clean update (what training produced, after differential privacy if any)
        double noiseSigma = spec.codec().updateNoiseSigma();
        NamedTensors clean = update;
        if (noiseSigma > 0) {
            update = UpdateNoise.add(update, noiseSigma, seed ^ 0x9E3779B97F4A7C15L);
        }

        // rotations and subsets are drawn from the payload's identity, which the server reads from the header
        // a codec that weighs errors by their effect on the weights (rotq's deltaW) reads the round's global adapter
        Codec codec = codecFor(task, seed).seeded(io.cgfed.core.codec.rotq.SharedSeeds.of(task.experimentId().toString(),
                task.round(), task.clientIndex())).withReference(global);
        String feedbackKey = task.experimentId() + "/" + task.clientIndex();
        NamedTensors intended = spec.codec().errorFeedback() ? errorFeedback.intended(feedbackKey, update) : update;
        byte[] contribution = null;
        if (task.contribute() && codec instanceof io.cgfed.core.codec.cgae.CgaeCodec learned) {
            // FAF: the codec's contribution on this fresh update, computed here; the update itself stays
            contribution = SafeTensors.write(learned.model().contribution(update));
        }
        Measurement m = new Measurement(result, global, update, clean, noiseSigma, dp, originalNorm, privacy, task,
                spec.codec().errorFeedback(), spec.lora().toConfig().scaling(), trainMs, contribution);
        List<TensorSpec> manifest = TensorSpec.manifestOf(update);
        long e0 = System.nanoTime();
        ErrorFeedback.Encoded encoded = ErrorFeedback.encodeOnce(intended, codec);
        // a codec that fills its budget spends it on the whole request: the header's bytes (the same keys, the
        // values not yet measured: their size does not depend on them) come off its body
        int headerBytes = UpdatePayload.overheadBytes(m.header(codec, samples, manifest, encoded, 0, false),
                encoded.body().length);
        Codec fitted = codec.withHeaderBytes(headerBytes);
        if (fitted != codec) {
            e0 = System.nanoTime();
            encoded = ErrorFeedback.encodeOnce(intended, fitted);
        }
        PayloadHeader header = m.header(fitted, samples, manifest, encoded, (System.nanoTime() - e0) / 1_000_000, true);
        if (spec.codec().errorFeedback()) {
            errorFeedback.keep(feedbackKey, encoded);
        }
        byte[] payload = new UpdatePayload(header, encoded.body()).toBytes();
        timings.trained(new TaskTimings.Train(task.experimentId().toString(), task.round(), (a0 - m0) / 1e9,
                (t0 - a0) / 1e9, trainMs / 1e3, result.tokens(), result.steps(), (System.nanoTime() - t0) / 1e9 - trainMs / 1e3,
                model.baseStorage().toString(), models.checkpointing(spec)));
        byte[] audit = null;
        if (spec.codec().audit()) {
            // what the codec was asked to send, uncompressed: for measuring its aggregate fidelity only
            Codec none = Codecs.create("none", null);
            audit = new UpdatePayload(new PayloadHeader(header.experimentId(), task.round(), task.clientIndex(), none.name(),
                    0, samples, manifest, Map.of()), none.encode(encoded.intended())).toBytesV1();
        }
        log.info("experiment {} round {} client {}: trained {} steps on {} examples in {} ms, loss {} -> {}, "
                        + "update {} values -> {} bytes ({}), cosine {}",
                task.experimentId(), task.round(), task.clientIndex(), result.steps(), samples, trainMs,
                fmt(result.firstLoss()), fmt(result.lastLoss()), update.numel(), payload.length, codec.name(),
                fmt(header.metrics().get("cosine")));
        return new Trained(payload, contribution, audit);
    }

    /** What a TRAIN task measured, turned into the payload header's metrics once the update is encoded. */
    private record Measurement(LocalTrainer.TrainingResult result, NamedTensors global, NamedTensors update,
                               NamedTensors clean, double noiseSigma, GaussianMechanism dp, double originalNorm,
                               ExperimentSpec.Privacy privacy, TaskMessage task, boolean errorFeedback, double loraScale,
                               long trainMs, byte[] contribution) {
        /**
         * The header. Without {@code measure} the metrics that take work to measure (reconstruction and dW
         * quality) are zeros: the same keys, so the same header bytes, which is all the sizing pass needs.
         */
        PayloadHeader header(Codec codec, long samples, List<TensorSpec> manifest, ErrorFeedback.Encoded encoded,
                             long encodeMs, boolean measure) {
            return new PayloadHeader(task.experimentId().toString(), task.round(), task.clientIndex(), codec.name(),
                    task.codecVersion(), samples, manifest, metrics(encoded, encodeMs, measure));
        }

        private Map<String, Double> metrics(ErrorFeedback.Encoded encoded, long encodeMs, boolean measure) {
            // quality of this round's own update (what the server gets against what training produced), of the
            // weight change it makes, and, with error feedback, of what was meant to be sent (update plus residual)
            ReconstructionQuality none = new ReconstructionQuality(0, 0, 0);
            ReconstructionQuality q = measure ? ReconstructionQuality.of(update, encoded.decoded()) : none;
            io.cgfed.core.codec.DeltaWQuality.Result dw = measure ? io.cgfed.core.codec.DeltaWQuality.of(global, update,
                    encoded.decoded(), loraScale, io.cgfed.core.codec.DeltaWQuality.DEFAULT_ROWS)
                    : new io.cgfed.core.codec.DeltaWQuality.Result(0, 0, 0);
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("trainLoss", result.meanLoss());
            metrics.put("firstLoss", result.firstLoss());
            metrics.put("lastLoss", result.lastLoss());
            metrics.put("cosine", q.cosine());
            metrics.put("relativeL2Error", q.relativeL2Error());
            metrics.put("snrDb", finiteSnr(q.snrDb()));
            metrics.put("deltaWCosine", dw.cosine());
            metrics.put("deltaWSnrDb", finiteSnr(dw.snrDb()));
            metrics.put("updateNorm", norm(update));
            if (noiseSigma > 0) {
                ReconstructionQuality vsClean = measure ? ReconstructionQuality.of(clean, encoded.decoded()) : none;
                metrics.put("noiseSigma", noiseSigma);
                metrics.put("cleanCosine", vsClean.cosine());
                metrics.put("cleanRelativeL2Error", vsClean.relativeL2Error());
                metrics.put("noisyInputCosine", ReconstructionQuality.of(clean, update).cosine());
                metrics.put("cleanNorm", norm(clean));
            }
            if (dp != null) {
                metrics.put("dpSigma", dp.sigma());
                metrics.put("dpClipped", originalNorm > dp.clipNorm() ? 1.0 : 0.0);
                // the accountant's bound if this client took part in every round so far
                metrics.put("dpEpsilonSpent", RdpAccountant.epsilon(dp.sigma(), task.round(), privacy.delta()));
            }
            if (errorFeedback) {
                metrics.put("intendedCosine", measure ? ReconstructionQuality.of(encoded.intended(), encoded.decoded())
                        .cosine() : 0.0);
                metrics.put("residualNorm", measure ? norm(encoded.intended().minus(encoded.decoded())) : 0.0);
            }
            metrics.put("trainMs", (double) trainMs);
            metrics.put("encodeMs", (double) encodeMs);
            if (contribution != null) {
                metrics.put("contributionBytes", (double) contribution.length);
            }
            return metrics;
        }

        /** An exact reconstruction has an infinite SNR; the wire carries 999 for it. */
        private static double finiteSnr(double snr) {
            return Double.isInfinite(snr) ? 999.0 : snr;
        }
    }

    EvaluationReport evaluate(TaskMessage task) {
        ExperimentSpec spec = task.spec();
        LlamaModel model = models.model(spec);
        model.loadAdapter(SafeTensors.read(coordinator.adapter(task.experimentId(), task.adapterVersion(), patience(task))));
        Evaluator evaluator = new Evaluator(properties.evalBatchSize(), models.tokenizer(spec),
                spec.training().sequenceCap(model.config().maxPositionEmbeddings()));
        Evaluator.EvalResult r = ClientData.isInstructions(spec.dataset())
                ? evaluator.evaluateInstructions(model, instructions(spec, task.clientIndex()).heldOut())
                : evaluator.evaluate(model, questions(spec, task.clientIndex()).heldOut());
        log.info("experiment {} adapter version {}: eval loss {}, accuracy {}", task.experimentId(),
                task.adapterVersion(), fmt(r.loss()), fmt(r.accuracy()));
        return new EvaluationReport(r.loss(), r.perplexity(), Double.isNaN(r.accuracy()) ? null : r.accuracy(),
                r.accuracyByCategory(), r.examples(), r.examplesByCategory());
    }

    /** This client's data: its shard derived from the spec (simulated), or the worker's own files (local). */
    @SuppressWarnings("unchecked")
    private ClientData.Shards<MultipleChoiceExample> questions(ExperimentSpec spec, int client) {
        return (ClientData.Shards<MultipleChoiceExample>) cached(spec, client,
                () -> ClientData.forClient(spec.dataset(), spec.clients(), client, dataDir()));
    }

    @SuppressWarnings("unchecked")
    private ClientData.Shards<InstructionExample> instructions(ExperimentSpec spec, int client) {
        return (ClientData.Shards<InstructionExample>) cached(spec, client,
                () -> ClientData.instructionsForClient(spec.dataset(), spec.clients(), client, dataDir()));
    }

    /** A client's data is read and dealt once, not on every round's task (a few recent ones kept). */
    private ClientData.Shards<?> cached(ExperimentSpec spec, int client, java.util.function.Supplier<ClientData.Shards<?>> load) {
        String key = spec.dataset() + "/" + spec.clients() + "/" + client + "/" + dataDir();
        return shardCache.computeIfAbsent(key, k -> load.get());
    }

    private Path dataDir() {
        String dir = properties.dataDir();
        return dir == null || dir.isBlank() ? null : Path.of(dir);
    }

    /** This client's share of the training pool in the simulated mode: derived, never sent. */
    static List<MultipleChoiceExample> shard(ExperimentSpec spec, int client) {
        return ClientData.forClient(spec.dataset(), spec.clients(), client, null).train();
    }

    private static double norm(NamedTensors t) {
        double s = 0;
        for (float v : t.flatten()) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.4f", v);
    }
}
