package io.cgfed.worker.task;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.DeltaWQuality;
import io.cgfed.core.codec.ErrorFeedback;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.codec.ReconstructionQuality;
import io.cgfed.core.privacy.GaussianMechanism;
import io.cgfed.core.privacy.RdpAccountant;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.train.LocalTrainer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a TRAIN task measured, turned into the payload header's metrics once the update is encoded. */
record UpdateMeasurement(LocalTrainer.TrainingResult result, NamedTensors global, NamedTensors update,
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
        DeltaWQuality.Result dw = measure ? DeltaWQuality.of(global, update, encoded.decoded(), loraScale,
                DeltaWQuality.DEFAULT_ROWS) : new DeltaWQuality.Result(0, 0, 0);
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

    /** The L2 norm of an update, every tensor's values together (metric {@code updateNorm} and its kin). */
    static double norm(NamedTensors t) {
        double s = 0;
        for (float v : t.flatten()) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }
}
