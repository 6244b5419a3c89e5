package io.cgfed.worker.task;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.ErrorFeedback;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.codec.cgae.CgaeCodec;
import io.cgfed.core.codec.cgae.CodecModel;
import io.cgfed.core.codec.rotq.SharedSeeds;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.privacy.GaussianMechanism;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.Seeds;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.train.LocalTrainer;
import io.cgfed.core.util.LruCache;
import io.cgfed.worker.client.CoordinatorClient;
import io.cgfed.worker.model.ModelHost;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A TRAIN task's work: start from the global adapter, train on this client's shard, take the update
 * (local minus global), privatise and perturb it where the spec asks, encode it (with error feedback
 * where asked, kept per client), measure what the codec lost ({@link UpdateMeasurement}), and return what
 * the task uploads.
 */
@Component
class UpdateTrainer {
    private static final Logger log = LoggerFactory.getLogger(UpdateTrainer.class);
    private final CoordinatorClient coordinator;
    private final ModelHost models;
    private final LocalTraining training;
    private final TaskMemory memory;
    private final TaskTimings timings;
    private final ErrorFeedback errorFeedback = new ErrorFeedback();
    /** A learned codec's trained versions, downloaded once each (a few recent ones kept). */
    private final LruCache<String, CgaeCodec> learnedCodecs = new LruCache<>(4);

    private final ByzantineAttack attack;

    UpdateTrainer(CoordinatorClient coordinator, ModelHost models, LocalTraining training, TaskMemory memory,
                  TaskTimings timings, io.cgfed.worker.WorkerProperties properties) {
        this.attack = properties.byzantineAttack();
        if (attack.active()) {
            log.warn("this worker attacks its updates ({}): for testing robust strategies only", attack);
        }
        this.coordinator = coordinator;
        this.models = models;
        this.training = training;
        this.memory = memory;
        this.timings = timings;
    }

    /**
     * What a TRAIN task sends: the encoded update payload; the FAF contribution when the task asks for
     * one; the raw update (an uncompressed payload) in audit mode.
     */
    record Trained(byte[] payload, byte[] contribution, byte[] audit) {
    }

    private Codec codecFor(TaskMessage task, long seed) {
        ExperimentSpec spec = task.spec();
        if (Codecs.learned(spec.codec().name())) {
            return learnedCodecs.computeIfAbsent(task.experimentId() + "/" + task.codecVersion(), k ->
                    new CgaeCodec(CodecModel.read(
                            coordinator.codecModel(task.experimentId(), task.codecVersion(), TaskRunner.patience(task)))));
        }
        // stochastic codecs (qsgd) draw from a seed per client and round unless the spec fixes one
        Map<String, Object> codecSettings = new HashMap<>(spec.codec().settings());
        codecSettings.putIfAbsent("seed", seed);
        return Codecs.create(spec.codec().name(), codecSettings);
    }

    /**
     * The training half of a TRAIN task: the client's update from the round's global adapter (after a test
     * attack and differential privacy where set, and the robustness experiment's noise), with what produced it.
     */
    private record Local(LlamaModel model, NamedTensors global, NamedTensors update, NamedTensors clean,
                         LocalTrainer.TrainingResult result, int samples, long seed, long trainMs, GaussianMechanism dp,
                         double originalNorm, double noiseSigma, long m0, long a0, long t0) {
    }

    private Local trainLocal(TaskMessage task) {
        ExperimentSpec spec = task.spec();
        memory.requireFixed(spec); // before the base model takes its memory
        long m0 = System.nanoTime();
        LlamaModel model = models.model(spec);
        long a0 = System.nanoTime();
        NamedTensors global = SafeTensors.read(coordinator.adapter(task.experimentId(), task.adapterVersion(),
                TaskRunner.patience(task)));
        model.loadAdapter(global);
        long seed = Seeds.task(spec.seed(), task.round(), task.clientIndex());
        long t0 = System.nanoTime();
        LocalTraining.Result local = training.train(spec, model, task.clientIndex(), seed, false);
        long trainMs = (System.nanoTime() - t0) / 1_000_000;
        // what the client sends: the change of every factor it trained (FFA-LoRA: B only, A stays as initialised)
        NamedTensors update = io.cgfed.core.model.LoraAdapter.sent(model.adapter().minus(global), model.loraConfig());
        // a test client attacking the round (cgfed.worker.attack, never on by default): what it sends instead
        update = attack.apply(update, seed);
        ExperimentSpec.Privacy privacy = spec.codec().privacy();
        GaussianMechanism dp = null;
        double originalNorm = 0;
        if (privacy != null) {
            dp = GaussianMechanism.forBudget(privacy.epsilon(), privacy.delta(), privacy.clipNorm(), spec.rounds());
            // under secure aggregation the client only clips: its share of the noise goes onto its integer levels
            GaussianMechanism.Result privatised = spec.secureAggregation().enabled() ? dp.clipOnly(update)
                    : dp.apply(update, seed ^ 0x5DEECE66DL);
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
        return new Local(model, global, update, clean, local.training(), local.samples(), seed, trainMs, dp, originalNorm,
                noiseSigma, m0, a0, t0);
    }

    /**
     * Secure aggregation's TRAIN: the client's update, flattened in the experiment's update layout (the order the
     * coordinator decodes the unmasked sum in), for {@code SecureAggregationTasks} to quantise and mask.
     */
    float[] trainFlat(TaskMessage task) {
        Local l = trainLocal(task);
        float[] flat = new float[Math.toIntExact(l.update().numel())];
        int at = 0;
        for (String name : io.cgfed.core.model.LoraAdapter.updateShapes(l.model().config(), l.model().loraConfig()).keySet()) {
            float[] v = l.update().get(name).data();
            System.arraycopy(v, 0, flat, at, v.length);
            at += v.length;
        }
        log.info("experiment {} round {} client {}: trained {} steps on {} examples in {} ms, loss {} -> {}, "
                        + "update {} values for secure aggregation", task.experimentId(), task.round(), task.clientIndex(),
                l.result().steps(), l.samples(), l.trainMs(), fmt(l.result().firstLoss()), fmt(l.result().lastLoss()),
                flat.length);
        return flat;
    }

    /** Trains and returns what the task uploads. */
    Trained train(TaskMessage task) {
        ExperimentSpec spec = task.spec();
        Local l = trainLocal(task);
        LlamaModel model = l.model();
        NamedTensors global = l.global();
        NamedTensors update = l.update();
        NamedTensors clean = l.clean();
        LocalTrainer.TrainingResult result = l.result();
        int samples = l.samples();
        long seed = l.seed();
        long trainMs = l.trainMs();
        GaussianMechanism dp = l.dp();
        double originalNorm = l.originalNorm();
        double noiseSigma = l.noiseSigma();
        ExperimentSpec.Privacy privacy = spec.codec().privacy();
        long m0 = l.m0();
        long a0 = l.a0();
        long t0 = l.t0();

        // rotations and subsets are drawn from the payload's identity, which the server reads from the header
        // a codec that weighs errors by their effect on the weights (rotq's deltaW) reads the round's global adapter
        Codec codec = codecFor(task, seed).seeded(SharedSeeds.of(task.experimentId().toString(),
                task.round(), task.clientIndex())).withReference(global);
        String feedbackKey = task.experimentId() + "/" + task.clientIndex();
        NamedTensors intended = spec.codec().errorFeedback() ? errorFeedback.intended(feedbackKey, update) : update;
        byte[] contribution = null;
        if (task.contribute() && codec instanceof CgaeCodec learned) {
            // FAF: the codec's contribution on this fresh update, computed here; the update itself stays
            contribution = SafeTensors.write(learned.model().contribution(update));
        }
        UpdateMeasurement m = new UpdateMeasurement(result, global, update, clean, noiseSigma, dp, originalNorm, privacy,
                task, spec.codec().errorFeedback(), spec.lora().toConfig().scaling(), trainMs, contribution);
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

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
