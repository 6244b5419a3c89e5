package io.cgfed.core.bench;

import io.cgfed.core.aggregation.Aggregator;
import io.cgfed.core.aggregation.FedAvg;
import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.ErrorFeedback;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.codec.ReconstructionQuality;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.codec.cgae.CgaeCodec;
import io.cgfed.core.codec.cgae.CodecModel;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.train.Evaluator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FedAvg rounds with a codec in the loop, as the platform runs them: every client trains from the
 * global adapter, encodes its update (plus its error-feedback residual when that is on), the server
 * decodes every payload, averages the reconstructions weighted by shard size, applies the average and
 * evaluates the new global adapter.
 */
final class CompressedRounds {
    private CompressedRounds() {
    }

    /** The codec a client uses in a round, and what the server learns after each round (FAF). */
    interface LoopCodec {
        Codec codec(int round, int client);

        /**
         * After a round, with what each client meant to send (update plus residual) and what the server
         * decoded; returns the bytes uploaded beyond the payloads.
         */
        default long afterRound(List<NamedTensors> intended, List<NamedTensors> decoded) {
            return 0;
        }
    }

    /** Sees every raw update of the run. */
    interface Recorder {
        void update(int round, int client, NamedTensors global, NamedTensors update, double trainLoss);
    }

    /**
     * Eval loss and accuracy of the start adapter and after each round ({@code to - from + 1} entries),
     * the mean per-update cosine between raw update and reconstruction, and the mean upload per
     * client-round: the payload as the worker sends it, plus anything else a client uploads (FAF
     * contributions).
     */
    record Result(double[] loss, double[] accuracy, double meanCosine, double payloadBytes, double extraBytes,
                  NamedTensors last) {
        double endLoss() {
            return loss[loss.length - 1];
        }

        double endAccuracy() {
            return accuracy[accuracy.length - 1];
        }
    }

    static Result run(Federation fed, NamedTensors start, int from, int to, LoopCodec loop, boolean errorFeedback,
                      Recorder recorder) {
        NamedTensors global = start;
        double[] loss = new double[to - from + 1];
        double[] accuracy = new double[to - from + 1];
        Evaluator.EvalResult e = fed.evaluate(global);
        loss[0] = e.loss();
        accuracy[0] = e.accuracy();
        ErrorFeedback feedback = new ErrorFeedback();
        double cosine = 0;
        double payload = 0;
        double extra = 0;
        int n = 0;
        for (int round = from; round < to; round++) {
            List<Aggregator.WeightedUpdate> decoded = new ArrayList<>();
            List<NamedTensors> intended = new ArrayList<>();
            List<NamedTensors> received = new ArrayList<>();
            for (int c = 0; c < fed.clients(); c++) {
                Federation.Trained t = fed.train(global, round, c);
                if (recorder != null) {
                    recorder.update(round, c, global, t.update(), t.trainLoss());
                }
                Codec codec = loop.codec(round, c).seeded(sharedSeed(round, c)).withReference(global);
                ErrorFeedback.Encoded enc = errorFeedback ? feedback.encode("client-" + c, t.update(), codec)
                        : ErrorFeedback.encodeOnce(t.update(), codec);
                ReconstructionQuality q = ReconstructionQuality.of(t.update(), enc.decoded());
                cosine += q.cosine();
                payload += payloadBytes(round, c, fed.samples(c), codec.name(), t.update(), enc.body(), t.trainLoss(), q);
                n++;
                decoded.add(new Aggregator.WeightedUpdate(enc.decoded(), fed.samples(c)));
                intended.add(enc.intended());
                received.add(enc.decoded());
            }
            extra += loop.afterRound(intended, received);
            global = global.plus(new FedAvg().aggregate(decoded));
            e = fed.evaluate(global);
            loss[round - from + 1] = e.loss();
            accuracy[round - from + 1] = e.accuracy();
        }
        return new Result(loss, accuracy, cosine / n, payload / n, extra / n, global);
    }

    /** The bytes of the payload a worker uploads: header (manifest and the worker's metrics) and body. */
    static int payloadBytes(int round, int client, long samples, String codec, NamedTensors update, byte[] body,
                            double trainLoss, ReconstructionQuality q) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("trainLoss", trainLoss);
        metrics.put("firstLoss", trainLoss);
        metrics.put("lastLoss", trainLoss);
        metrics.put("cosine", q.cosine());
        metrics.put("relativeL2Error", q.relativeL2Error());
        metrics.put("snrDb", Double.isFinite(q.snrDb()) ? q.snrDb() : 999.0);
        metrics.put("trainMs", 123.0);
        metrics.put("encodeMs", 1.0);
        PayloadHeader header = new PayloadHeader(BENCH_EXPERIMENT, round, client, codec, 1, samples,
                TensorSpec.manifestOf(update), metrics);
        return new UpdatePayload(header, body).toBytes().length;
    }

    /** The seed a worker and the server share for a client's payload of a round, as the platform derives it. */
    static long sharedSeed(int round, int client) {
        return io.cgfed.core.codec.rotq.SharedSeeds.of(BENCH_EXPERIMENT, round, client);
    }

    static final String BENCH_EXPERIMENT = "4f9c2a6e-0d1b-4c3e-9a57-2b8e6f1d0c93";

    /** A codec the same for every client and round. */
    static LoopCodec fixed(Codec codec) {
        return (round, client) -> codec;
    }

    /**
     * {@code cgae} adapted every round (FAF), the next round encoding with the new version. From client
     * contributions: each client computes its contribution on the normalised tiles of what it sent
     * (update plus residual) and uploads it beside the payload; the linear architecture's contribution
     * is a latent and a residual in fp32, counted as extra upload. From the server's side only
     * ({@code fromDecoded}): the server refits on the updates it decoded, so nothing more is uploaded,
     * and new directions can enter only through what the payload carries beyond the latent (the
     * residual channel).
     */
    static final class AdaptiveCgae implements LoopCodec {
        private final boolean fromDecoded;
        private CodecModel model;

        AdaptiveCgae(CodecModel model, boolean fromDecoded) {
            this.model = model;
            this.fromDecoded = fromDecoded;
        }

        @Override
        public Codec codec(int round, int client) {
            return new CgaeCodec(model);
        }

        @Override
        public long afterRound(List<NamedTensors> intended, List<NamedTensors> decoded) {
            List<NamedTensors> contributions = new ArrayList<>();
            long bytes = 0;
            for (NamedTensors u : fromDecoded ? decoded : intended) {
                NamedTensors c = contribution(model, u);
                bytes += fromDecoded ? 0 : 4 * c.numel();
                contributions.add(c);
            }
            model = model.withAutoencoder(model.autoencoder().adapt(contributions, model.settings()));
            return bytes;
        }

        static NamedTensors contribution(CodecModel model, NamedTensors update) {
            return model.contribution(update);
        }
    }
}
