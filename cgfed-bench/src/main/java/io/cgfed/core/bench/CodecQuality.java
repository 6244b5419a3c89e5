package io.cgfed.core.bench;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.ReconstructionQuality;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.List;

/**
 * Reconstruction quality of a codec on the recorded raw updates of an uncompressed run, split as the
 * TGAP protocol splits them: the training clients {@code 0..T-1} in the window (rounds before the
 * half-way round: in-sample for a learned codec), the held-out clients {@code T..C-1} in the window
 * (HO-early) and after it (HO-later), and every client after the window (for the aggregate).
 */
final class CodecQuality {
    private CodecQuality() {
    }

    /** The codec a client uses in a round (a refitted codec changes with the round, qsgd's seed with both). */
    interface CodecAt {
        Codec at(int round, int client);
    }

    /**
     * Means over updates of the cosine (in-sample, HO-early, HO-later) and of the SNR in dB (HO-later);
     * the aggregate cosines are per round (mean of reconstructions against mean of raw updates, over the
     * held-out clients and over all clients), averaged over the later rounds.
     */
    record Row(double bodyBytes, double inSampleCosine, double heldOutEarlyCosine, double heldOutLaterCosine,
               double heldOutLaterSnrDb, double heldOutLaterAggregateCosine, double allLaterAggregateCosine) {
    }

    static Row measure(NamedTensors[][] updates, int halfway, int trainingClients, CodecAt codecAt) {
        int rounds = updates.length;
        int clients = updates[0].length;
        List<TensorSpec> manifest = TensorSpec.manifestOf(updates[0][0]);
        NamedTensors[][] rec = new NamedTensors[rounds][clients];
        double bytes = 0;
        for (int r = 0; r < rounds; r++) {
            for (int c = 0; c < clients; c++) {
                Codec codec = codecAt.at(r, c).seeded(CompressedRounds.sharedSeed(r, c));
                byte[] body = codec.encode(updates[r][c]);
                bytes += body.length;
                rec[r][c] = codec.decode(body, manifest);
            }
        }
        Mean inSample = new Mean();
        Mean early = new Mean();
        Mean later = new Mean();
        Mean laterSnr = new Mean();
        Mean heldAggregate = new Mean();
        Mean allAggregate = new Mean();
        for (int r = 0; r < rounds; r++) {
            for (int c = 0; c < clients; c++) {
                ReconstructionQuality q = ReconstructionQuality.of(updates[r][c], rec[r][c]);
                boolean held = c >= trainingClients;
                if (r < halfway) {
                    (held ? early : inSample).add(q.cosine());
                } else if (held) {
                    later.add(q.cosine());
                    laterSnr.add(q.snrDb());
                }
            }
            if (r >= halfway) {
                heldAggregate.add(aggregateCosine(updates[r], rec[r], trainingClients, clients));
                allAggregate.add(aggregateCosine(updates[r], rec[r], 0, clients));
            }
        }
        return new Row(bytes / (rounds * clients), inSample.value(), early.value(), later.value(), laterSnr.value(),
                heldAggregate.value(), allAggregate.value());
    }

    /** Cosine between the mean of the reconstructions and the mean of the raw updates of clients {@code [from, to)}. */
    static double aggregateCosine(NamedTensors[] raw, NamedTensors[] rec, int from, int to) {
        List<NamedTensors> a = new ArrayList<>();
        List<NamedTensors> b = new ArrayList<>();
        for (int c = from; c < to; c++) {
            a.add(raw[c]);
            b.add(rec[c]);
        }
        return ReconstructionQuality.of(sum(a), sum(b)).cosine();
    }

    private static NamedTensors sum(List<NamedTensors> xs) {
        NamedTensors s = xs.get(0);
        for (int i = 1; i < xs.size(); i++) {
            s = s.plus(xs.get(i));
        }
        return s;
    }

    /** A mean that keeps infinities (SNR of a lossless codec) apart from finite values. */
    static final class Mean {
        private double sum;
        private int n;
        private boolean infinite;

        void add(double v) {
            if (Double.isInfinite(v) && v > 0) {
                infinite = true;
            } else {
                sum += v;
                n++;
            }
        }

        double value() {
            return infinite && n == 0 ? Double.POSITIVE_INFINITY : n == 0 ? Double.NaN : sum / n;
        }
    }

    /** Encode and decode speed in MB (10^6 bytes) of fp32 update per second, each measured for about {@code seconds}. */
    static double[] throughput(Codec codec, NamedTensors update, double seconds) {
        List<TensorSpec> manifest = TensorSpec.manifestOf(update);
        double mb = 4.0 * update.numel() / 1e6;
        byte[] body = codec.encode(update);
        long sink = 0;
        for (int i = 0; i < 20; i++) {
            sink += codec.encode(update).length;
            sink += codec.decode(body, manifest).size();
        }
        double encode = rate(() -> codec.encode(update).length, seconds) * mb;
        double decode = rate(() -> codec.decode(body, manifest).size(), seconds) * mb;
        if (sink == 42) {
            System.out.print("");
        }
        return new double[] {encode, decode};
    }

    /** The memory-copy baseline: System.arraycopy of the update's floats, in MB of fp32 per second. */
    static double copyThroughput(NamedTensors update, double seconds) {
        float[] src = update.flatten();
        float[] dst = new float[src.length];
        double mb = 4.0 * src.length / 1e6;
        return rate(() -> {
            System.arraycopy(src, 0, dst, 0, src.length);
            return (int) dst[dst.length - 1];
        }, seconds) * mb;
    }

    /** Calls per second of {@code work}, over batches until {@code seconds} have passed. */
    static double rate(java.util.function.IntSupplier work, double seconds) {
        long sink = 0;
        long calls = 0;
        int batch = 1;
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (seconds * 1e9);
        long now;
        do {
            for (int i = 0; i < batch; i++) {
                sink += work.getAsInt();
            }
            calls += batch;
            batch = Math.min(batch * 2, 1 << 16);
            now = System.nanoTime();
        } while (now < deadline);
        if (sink == Long.MIN_VALUE) {
            System.out.print("");
        }
        return calls / ((now - t0) / 1e9);
    }
}
