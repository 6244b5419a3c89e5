package io.cgfed.worker.task;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.ErrorFeedback;
import io.cgfed.core.privacy.GaussianMechanism;
import io.cgfed.core.privacy.RdpAccountant;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.codec.ReconstructionQuality;
import io.cgfed.core.codec.TensorSpec;
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
    private final Map<String, ClientData.Shards<?>> shardCache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ClientData.Shards<?>> eldest) {
            return size() > 8;
        }
    };

    TaskRunner(CoordinatorClient coordinator, ModelHost models, WorkerProperties properties) {
        this.coordinator = coordinator;
        this.models = models;
        this.properties = properties;
    }

    public void run(UUID workerId, TaskMessage task) {
        switch (task.type()) {
            case TRAIN -> coordinator.upload(workerId, task.taskId(), models.exclusive(() -> train(task)));
            case EVALUATE -> coordinator.evaluation(workerId, task.taskId(), models.exclusive(() -> evaluate(task)));
        }
    }

    /** Trains and returns the encoded update payload (package-visible for tests). */
    byte[] train(TaskMessage task) {
        ExperimentSpec spec = task.spec();
        LlamaModel model = models.model(spec);
        NamedTensors global = SafeTensors.read(coordinator.adapter(task.experimentId(), task.adapterVersion()));
        model.loadAdapter(global);
        ExperimentSpec.Training t = spec.training();
        long seed = spec.seed() * 1_000_003L + task.round() * 1_009L + task.clientIndex();
        TrainingConfig config = new TrainingConfig(t.localSteps(), t.batchSize(), t.microBatchSize(), t.learningRate(),
                t.warmupSteps(), t.weightDecay(), t.maxGradNorm(), seed);
        LocalTrainer trainer = new LocalTrainer(models.tokenizer(spec));
        long t0 = System.nanoTime();
        int samples;
        LocalTrainer.TrainingResult result;
        if (ClientData.isInstructions(spec.dataset())) {
            List<InstructionExample> shard = instructions(spec, task.clientIndex()).train();
            samples = shard.size();
            result = trainer.trainInstructions(model, shard, config);
        } else {
            List<MultipleChoiceExample> shard = questions(spec, task.clientIndex()).train();
            samples = shard.size();
            result = trainer.train(model, shard, config);
        }
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

        // stochastic codecs (qsgd) draw from a seed per client and round unless the spec fixes one
        Map<String, Object> codecSettings = new java.util.HashMap<>(spec.codec().settings());
        codecSettings.putIfAbsent("seed", seed);
        Codec codec = Codecs.create(spec.codec().name(), codecSettings);
        long e0 = System.nanoTime();
        ErrorFeedback.Encoded encoded = spec.codec().errorFeedback()
                ? errorFeedback.encode(task.experimentId() + "/" + task.clientIndex(), update, codec)
                : ErrorFeedback.encodeOnce(update, codec);
        byte[] body = encoded.body();
        long encodeMs = (System.nanoTime() - e0) / 1_000_000;
        List<TensorSpec> manifest = TensorSpec.manifestOf(update);
        // quality of this round's own update (what the server gets against what training produced),
        // and, with error feedback, of what was meant to be sent (update plus carried residual)
        ReconstructionQuality q = ReconstructionQuality.of(update, encoded.decoded());

        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("trainLoss", result.meanLoss());
        metrics.put("firstLoss", result.firstLoss());
        metrics.put("lastLoss", result.lastLoss());
        metrics.put("cosine", q.cosine());
        metrics.put("relativeL2Error", q.relativeL2Error());
        metrics.put("snrDb", Double.isInfinite(q.snrDb()) ? 999.0 : q.snrDb());
        metrics.put("updateNorm", norm(update));
        if (dp != null) {
            metrics.put("dpSigma", dp.sigma());
            metrics.put("dpClipped", originalNorm > dp.clipNorm() ? 1.0 : 0.0);
            // the accountant's bound if this client took part in every round so far
            metrics.put("dpEpsilonSpent", RdpAccountant.epsilon(dp.sigma(), task.round(), privacy.delta()));
        }
        if (spec.codec().errorFeedback()) {
            ReconstructionQuality intended = ReconstructionQuality.of(encoded.intended(), encoded.decoded());
            metrics.put("intendedCosine", intended.cosine());
            metrics.put("residualNorm", norm(encoded.intended().minus(encoded.decoded())));
        }
        metrics.put("trainMs", (double) trainMs);
        metrics.put("encodeMs", (double) encodeMs);
        PayloadHeader header = new PayloadHeader(task.experimentId().toString(), task.round(), task.clientIndex(),
                codec.name(), 0, samples, manifest, metrics);
        byte[] payload = new UpdatePayload(header, body).toBytes();
        log.info("experiment {} round {} client {}: trained {} steps on {} examples in {} ms, loss {} -> {}, "
                        + "update {} values -> {} bytes ({}), cosine {}",
                task.experimentId(), task.round(), task.clientIndex(), result.steps(), samples, trainMs,
                fmt(result.firstLoss()), fmt(result.lastLoss()), update.numel(), payload.length, codec.name(),
                fmt(q.cosine()));
        return payload;
    }

    EvaluationReport evaluate(TaskMessage task) {
        ExperimentSpec spec = task.spec();
        LlamaModel model = models.model(spec);
        model.loadAdapter(SafeTensors.read(coordinator.adapter(task.experimentId(), task.adapterVersion())));
        Evaluator evaluator = new Evaluator(properties.evalBatchSize(), models.tokenizer(spec));
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
        synchronized (shardCache) {
            return shardCache.computeIfAbsent(key, k -> load.get());
        }
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
