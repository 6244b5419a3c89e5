package io.cgfed.core.bench;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.cgae.Architectures;
import io.cgfed.core.codec.cgae.CgaeCodec;
import io.cgfed.core.codec.cgae.CgaeSettings;
import io.cgfed.core.codec.cgae.CgaeTraining;
import io.cgfed.core.codec.cgae.CodecModel;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Codec quality and the end metric, measured on our model with our codecs (the protocol of "Calibration
 * measured on these machines" in the paper notes), per seed:
 * <ol>
 *   <li>uncompressed FedAvg over all rounds, recording every client's raw update and the global
 *       adapter's eval loss and accuracy after each round;</li>
 *   <li>TGAP: each {@code cgae} variant trained on the first half of the rounds of clients
 *       {@code 0..C-3}, measured (with the baselines) on the held-out clients {@code C-2, C-1} in the
 *       second half (HO-later): per-update cosine and SNR, aggregate cosine;</li>
 *   <li>bytes per client-round (body and whole payload) and encode/decode throughput beside a memory
 *       copy;</li>
 *   <li>the end metric: the second half run again from the half-way global adapter with each codec in
 *       the loop, with and without error feedback, and the share of the uncompressed gain it recovers;
 *       and top-k from round 0 ({@link EndMetric}).</li>
 * </ol>
 * Run: {@code ./cgfed bench-codecs [-Dseeds=0,1,2 -Drounds=20 ...]}; sizes in {@link CodecBenchSettings}.
 */
public final class CodecBench {
    private final CodecBenchSettings s;
    private final List<CgaeVariant> variants;
    private final SeedTable fedavg = new SeedTable("Uncompressed FedAvg (the reference)",
            List.of("eval loss", "accuracy"), List.of("%.4f", "%.3f"));
    private final SeedTable quality;
    private final SeedTable bytes = new SeedTable("Bytes per client-round and throughput",
            List.of("body bytes", "body / fp32", "payload bytes", "payload / fp32", "encode MB/s", "decode MB/s"),
            List.of("%.0f", "%.4f", "%.0f", "%.4f", "%.1f", "%.1f"));
    private final SeedTable end;
    private final SeedTable fromZero;

    CodecBench(CodecBenchSettings s) {
        this.s = s;
        this.variants = CgaeVariant.parseAll(s.cgae(), s.tile());
        this.quality = new SeedTable("Reconstruction quality (TGAP on rounds 0-" + (s.halfway() - 1) + " of clients 0-"
                + (s.trainingClients() - 1) + "; HO = held-out clients " + s.trainingClients() + "-" + (s.clients() - 1)
                + "; later = rounds " + s.halfway() + "-" + (s.rounds() - 1) + ")",
                List.of("body / fp32", "in-sample cos", "HO-early cos", "HO-later cos", "HO-later SNR dB", "HO-later agg cos",
                        "all-later agg cos"),
                List.of("%.4f", "%.3f", "%.3f", "%.3f", "%.2f", "%.3f", "%.3f"));
        List<String> endColumns = List.of("end eval loss", "end accuracy", "gain recovered (loss)", "gain recovered (acc)",
                "mean update cos", "upload bytes / client-round");
        List<String> endFormats = List.of("%.4f", "%.3f", "%.2f", "%.2f", "%.3f", "%.0f");
        this.end = new SeedTable("End metric: rounds " + s.halfway() + "-" + (s.rounds() - 1)
                + " with the codec in the loop, from the uncompressed half-way adapter", endColumns, endFormats);
        this.fromZero = new SeedTable("End metric: compressed from round 0 (no TGAP window)", endColumns, endFormats);
    }

    public static void main(String[] args) {
        CodecBenchSettings settings = CodecBenchSettings.fromSystemProperties();
        long t0 = System.nanoTime();
        System.out.println("# Codec bench");
        System.out.println(settings.describe());
        System.out.printf(Locale.ROOT, "JVM %s, %d processors, DJL threads %s%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), System.getProperty("ai.djl.pytorch.num_threads", "default"));
        CodecBench bench = new CodecBench(settings);
        for (int seed : settings.seeds()) {
            long s0 = System.nanoTime();
            bench.runSeed(seed);
            System.out.printf(Locale.ROOT, "seed %d done in %.0f s%n", seed, (System.nanoTime() - s0) / 1e9);
        }
        System.out.println();
        System.out.println("## Results over seeds " + settings.seeds() + " (mean ± std)");
        bench.printTables();
        System.out.printf(Locale.ROOT, "%nwall time %.0f s%n", (System.nanoTime() - t0) / 1e9);
    }

    void printTables() {
        for (SeedTable t : List.of(fedavg, quality, bytes, end, fromZero)) {
            System.out.println();
            System.out.print(t.markdown());
        }
    }

    /** The baselines in the quality and bytes tables, by label: codec name and settings. */
    Map<String, Map.Entry<String, Map<String, Object>>> baselines(long numel) {
        Map<String, Map.Entry<String, Map<String, Object>>> b = new LinkedHashMap<>();
        b.put("none", Map.entry("none", Map.of()));
        b.put("fp16", Map.entry("fp16", Map.of()));
        b.put("int8", Map.entry("int8", Map.of()));
        b.put("qsgd", Map.entry("qsgd", Map.of()));
        b.put("topk 1/" + s.budget(), Map.entry("topk", Map.of("fraction", ByteBudget.topkFraction(numel, s.budget()))));
        for (int budget : List.of(s.budget(), 4 * s.budget())) {
            b.put("rotq 1/" + budget, Map.entry("rotq", Map.of("compression", budget)));
            b.put("rotq 1/" + budget + " entropy", Map.entry("rotq", Map.of("compression", budget, "quantiser", "entropy")));
            b.put("rotq 1/" + budget + " entropy flat", Map.entry("rotq", Map.of("compression", budget, "quantiser", "entropy",
                    "factors", 0)));
            b.put("rotq 1/" + budget + " unbiased", Map.entry("rotq", Map.of("compression", budget, "bias", "unbiased")));
            b.put("rotq 1/" + budget + " entropy deltaW", Map.entry("rotq", Map.of("compression", budget, "quantiser", "entropy",
                    "weighting", "deltaW")));
        }
        return b;
    }

    void runSeed(int seed) {
        int rounds = s.rounds();
        int clients = s.clients();
        int half = s.halfway();
        try (Federation fed = new Federation(s, seed)) {
            // 1. uncompressed FedAvg, recording every raw update
            long t = System.nanoTime();
            NamedTensors[][] updates = new NamedTensors[rounds][clients];
            NamedTensors[] globals = new NamedTensors[rounds + 1];
            NamedTensors initial = fed.initialAdapter();
            CompressedRounds.Result ref = runRecording(fed, initial, updates, globals);
            fedavg.add("round 0 (initial adapter)", "eval loss", ref.loss()[0]).add("round 0 (initial adapter)", "accuracy",
                    ref.accuracy()[0]);
            fedavg.add("after round " + half + " (half-way)", "eval loss", ref.loss()[half])
                    .add("after round " + half + " (half-way)", "accuracy", ref.accuracy()[half]);
            fedavg.add("after round " + rounds + " (end)", "eval loss", ref.endLoss())
                    .add("after round " + rounds + " (end)", "accuracy", ref.endAccuracy());
            System.out.printf(Locale.ROOT, "seed %d: uncompressed FedAvg %.0f s, %d values per update; eval loss per round %s%n",
                    seed, secondsSince(t), updates[0][0].numel(), curve(ref.loss()));
            System.out.printf(Locale.ROOT, "seed %d: accuracy per round %s%n", seed, curve(ref.accuracy()));

            // 2. TGAP and reconstruction quality
            t = System.nanoTime();
            long numel = updates[0][0].numel();
            Map<String, CodecQuality.CodecAt> codecs = new LinkedHashMap<>();
            baselines(numel).forEach((label, spec) -> codecs.put(label, (r, c) -> {
                Map<String, Object> settings = new HashMap<>(spec.getValue());
                settings.putIfAbsent("seed", io.cgfed.core.protocol.Seeds.task(seed, r, c));
                return Codecs.create(spec.getKey(), settings);
            }));
            // side information both sides hold: the previous round's global update (issue 14, item 5: an experiment)
            for (Map.Entry<String, Map<String, Object>> p : PredictiveLoop.variants(s.budget()).entrySet()) {
                codecs.put(p.getKey(), (r, c) -> new PredictedCodec(Codecs.create("rotq", p.getValue()),
                        r >= 1 ? globals[r].minus(globals[r - 1]) : null));
            }
            Map<String, CodecModel> trained = new LinkedHashMap<>();
            Map<String, String> skipped = new LinkedHashMap<>();
            for (CgaeVariant v : variants) {
                String why = unavailable(v);
                if (why != null) {
                    skipped.put(v.label(), "skipped: " + why);
                    continue;
                }
                CodecModel model = tgap(v, updates);
                trained.put(v.label(), model);
                if (v.refit()) {
                    CodecModel[] byRound = refitChain(model, updates);
                    codecs.put(v.label(), (r, c) -> new CgaeCodec(byRound[r]));
                } else {
                    codecs.put(v.label(), (r, c) -> new CgaeCodec(model));
                }
            }
            for (var e : codecs.entrySet()) {
                CodecQuality.Row q = CodecQuality.measure(updates, half, s.trainingClients(), e.getValue());
                String row = e.getKey();
                quality.add(row, "body / fp32", q.bodyBytes() / (4.0 * numel))
                        .add(row, "in-sample cos", q.inSampleCosine())
                        .add(row, "HO-early cos", q.heldOutEarlyCosine())
                        .add(row, "HO-later cos", q.heldOutLaterCosine())
                        .add(row, "HO-later SNR dB", q.heldOutLaterSnrDb())
                        .add(row, "HO-later agg cos", q.heldOutLaterAggregateCosine())
                        .add(row, "all-later agg cos", q.allLaterAggregateCosine());
            }
            skipped.forEach(quality::note);
            System.out.printf(Locale.ROOT, "seed %d: TGAP and quality %.0f s%n", seed, secondsSince(t));

            // 3. bytes and throughput, on a held-out client's update in the last round
            t = System.nanoTime();
            NamedTensors sample = updates[rounds - 1][clients - 1];
            for (var e : codecs.entrySet()) {
                Codec codec = e.getValue().at(rounds - 1, clients - 1).seeded(CompressedRounds.sharedSeed(rounds - 1, clients - 1));
                byte[] body = codec.encode(sample);
                int payload = CompressedRounds.payloadBytes(rounds - 1, clients - 1, fed.samples(clients - 1), codec.name(),
                        sample, body, 1.0, io.cgfed.core.codec.ReconstructionQuality.of(sample, sample));
                double[] speed = CodecQuality.throughput(codec, sample, s.timeSeconds());
                bytes.add(e.getKey(), "body bytes", body.length).add(e.getKey(), "body / fp32", body.length / (4.0 * numel))
                        .add(e.getKey(), "payload bytes", payload).add(e.getKey(), "payload / fp32", payload / (4.0 * numel))
                        .add(e.getKey(), "encode MB/s", speed[0]).add(e.getKey(), "decode MB/s", speed[1]);
            }
            skipped.forEach(bytes::note);
            bytes.add("memory copy (System.arraycopy)", "encode MB/s", CodecQuality.copyThroughput(sample, s.timeSeconds()));
            System.out.printf(Locale.ROOT, "seed %d: bytes and throughput %.0f s%n", seed, secondsSince(t));

            // 4. the end metric over the second half, and from round 0
            t = System.nanoTime();
            EndMetric end = new EndMetric(s, fed, seed, ref, globals, trained, codecs, this.end, fromZero);
            end.secondHalf();
            System.out.printf(Locale.ROOT, "seed %d: end metric %.0f s%n", seed, secondsSince(t));
            if (s.fromZero()) {
                t = System.nanoTime();
                end.fromRoundZero(initial);
                System.out.printf(Locale.ROOT, "seed %d: from round 0 %.0f s%n", seed, secondsSince(t));
            }
        }
    }

    private CompressedRounds.Result runRecording(Federation fed, NamedTensors initial, NamedTensors[][] updates,
                                                 NamedTensors[] globals) {
        return CompressedRounds.run(fed, initial, 0, s.rounds(), CompressedRounds.fixed(Codecs.create("none", Map.of())),
                false, (round, client, global, update, loss) -> {
                    updates[round][client] = update;
                    globals[round] = global;
                });
    }

    /** Why a variant cannot run in this build (its architecture is not registered), or null. */
    static String unavailable(CgaeVariant v) {
        try {
            Architectures.of(v.architecture());
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** TGAP on the training clients' updates of the window; nothing held out inside (the bench holds out whole clients). */
    private CodecModel tgap(CgaeVariant v, NamedTensors[][] updates) {
        Map<String, Object> settings = new HashMap<>(v.settings());
        settings.putIfAbsent("heldOutFraction", 0.0);
        List<CgaeTraining.Sample> samples = new ArrayList<>();
        for (int r = 0; r < s.halfway(); r++) {
            for (int c = 0; c < s.trainingClients(); c++) {
                samples.add(new CgaeTraining.Sample(c, r, updates[r][c]));
            }
        }
        return CgaeTraining.train(CgaeSettings.of(settings), samples, io.cgfed.core.codec.cgae.TrainingProgress.NONE).model();
    }

    /**
     * The codec of each round when it is refitted (FAF) every round from the previous round's updates of
     * the training clients; the window's rounds use the TGAP codec.
     */
    private CodecModel[] refitChain(CodecModel tgap, NamedTensors[][] updates) {
        CodecModel[] byRound = new CodecModel[s.rounds()];
        CodecModel m = tgap;
        for (int r = 0; r < s.rounds(); r++) {
            if (r >= s.halfway()) {
                List<NamedTensors> contributions = new ArrayList<>();
                for (int c = 0; c < s.trainingClients(); c++) {
                    contributions.add(CompressedRounds.AdaptiveCgae.contribution(m, updates[r - 1][c]));
                }
                m = m.withAutoencoder(m.autoencoder().adapt(contributions, m.settings()));
            }
            byRound[r] = m;
        }
        return byRound;
    }

    /** A per-round curve for the log, three decimals a value. */
    static String curve(double[] values) {
        StringBuilder b = new StringBuilder();
        for (double v : values) {
            b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", v));
        }
        return b.toString();
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
