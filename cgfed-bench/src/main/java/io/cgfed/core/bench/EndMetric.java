package io.cgfed.core.bench;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.cgae.CgaeCodec;
import io.cgfed.core.codec.cgae.CodecModel;
import io.cgfed.core.tensor.NamedTensors;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The end metric of one seed of {@link CodecBench}: federated rounds run again with a codec in the loop, with
 * and without error feedback, and the share of the uncompressed gain each keeps: the second half from the
 * half-way adapter (every codec the {@code end} setting names), and from round 0 (top-k and the
 * {@code fromZeroCodecs}).
 */
final class EndMetric {
    private final CodecBenchSettings s;
    private final Federation fed;
    private final int seed;
    private final CompressedRounds.Result ref;
    private final NamedTensors[] globals;
    private final Map<String, CodecModel> trained;
    private final Map<String, CodecQuality.CodecAt> byLabel;
    private final Map<String, Map<String, Object>> predicted;
    private final long numel;
    private final SeedTable end;
    private final SeedTable fromZero;

    /**
     * ref: the recorded uncompressed run; globals: its adapter before each round; trained: the TGAP codec
     * models by label; byLabel: every codec of the quality table by its label.
     */
    EndMetric(CodecBenchSettings s, Federation fed, int seed, CompressedRounds.Result ref, NamedTensors[] globals,
              Map<String, CodecModel> trained, Map<String, CodecQuality.CodecAt> byLabel, SeedTable end,
              SeedTable fromZero) {
        this.s = s;
        this.fed = fed;
        this.seed = seed;
        this.ref = ref;
        this.globals = globals;
        this.trained = trained;
        this.byLabel = byLabel;
        this.predicted = PredictiveLoop.variants(s.budget());
        this.numel = globals[0].numel();
        this.end = end;
        this.fromZero = fromZero;
    }

    /** The second half run again from the half-way adapter with each codec of the {@code end} setting in the loop. */
    void secondHalf() {
        int half = s.halfway();
        NamedTensors start = globals[half];
        double lossStart = ref.loss()[half];
        double accStart = ref.accuracy()[half];
        endRow(end, "uncompressed (recorded run)", slice(ref, half), lossStart, ref.endLoss(), accStart, ref.endAccuracy());
        Map<String, Supplier<CompressedRounds.LoopCodec>> loops = new LinkedHashMap<>();
        loops.put("none (in the loop: determinism check)", () -> CompressedRounds.fixed(Codecs.create("none", Map.of())));
        for (String entry : s.end().split(",")) {
            String spec = entry.strip();
            if (spec.isEmpty()) {
                continue;
            }
            if (spec.equals("topk")) {
                Codec topk = Codecs.create("topk", Map.of("fraction", ByteBudget.topkFraction(numel, s.budget())));
                loops.put("topk 1/" + s.budget(), () -> CompressedRounds.fixed(topk));
                continue;
            }
            if (predicted.containsKey(spec)) {
                // in the loop the prediction is the global update the loop itself applied last round
                Map<String, Object> settings = predicted.get(spec);
                NamedTensors first = globals[half].minus(globals[half - 1]);
                loops.put(spec, () -> new PredictiveLoop(fed, settings, first));
                continue;
            }
            if (byLabel.containsKey(spec) && !trained.containsKey(spec)) {
                // a baseline of the quality table by its label, e.g. "rotq 1/64 entropy"
                CodecQuality.CodecAt at = byLabel.get(spec);
                loops.put(spec, () -> at::at);
                continue;
            }
            int slash = spec.lastIndexOf('/');
            String label = slash < 0 ? spec : spec.substring(0, slash).strip();
            String mode = slash < 0 ? "frozen" : spec.substring(slash + 1).strip();
            CodecModel model = trained.get(label);
            if (model == null) {
                end.note("cgae " + spec, "skipped: no trained cgae variant labelled '" + label + "'");
                continue;
            }
            switch (mode) {
                case "frozen" -> loops.put("cgae " + label + " frozen", () -> CompressedRounds.fixed(new CgaeCodec(model)));
                case "clients" -> loops.put("cgae " + label + " adaptive (client contributions)",
                        () -> new CompressedRounds.AdaptiveCgae(model, false));
                case "server" -> loops.put("cgae " + label + " adaptive (server refit on decoded)",
                        () -> new CompressedRounds.AdaptiveCgae(model, true));
                default -> throw new IllegalArgumentException("end-metric mode '" + mode + "' (known: frozen, clients, server)");
            }
        }
        for (var e : loops.entrySet()) {
            for (boolean ef : List.of(false, true)) {
                if (ef && e.getKey().startsWith("none")) {
                    continue;
                }
                CompressedRounds.Result r = CompressedRounds.run(fed, start, half, s.rounds(), e.getValue().get(), ef, null);
                String row = e.getKey() + (ef ? " + EF" : "");
                endRow(end, row, r, lossStart, ref.endLoss(), accStart, ref.endAccuracy());
                System.out.printf(Locale.ROOT, "seed %d: %s: eval loss per round %s%n", seed, row, CodecBench.curve(r.loss()));
                System.out.printf(Locale.ROOT, "seed %d: %s: end accuracy %.3f, gain recovered %.2f (loss) %.2f (acc)%n",
                        seed, row, r.endAccuracy(), GainRecovered.loss(lossStart, r.endLoss(), ref.endLoss()),
                        GainRecovered.accuracy(accStart, r.endAccuracy(), ref.endAccuracy()));
            }
        }
    }

    /** Every round compressed, from the initial adapter: top-k with and without error feedback, and the named codecs. */
    void fromRoundZero(NamedTensors initial) {
        int rounds = s.rounds();
        Codec topk = Codecs.create("topk", Map.of("fraction", ByteBudget.topkFraction(numel, s.budget())));
        endRow(fromZero, "uncompressed", ref, ref.loss()[0], ref.endLoss(), ref.accuracy()[0], ref.endAccuracy());
        for (boolean ef : List.of(false, true)) {
            CompressedRounds.Result r = CompressedRounds.run(fed, initial, 0, rounds, CompressedRounds.fixed(topk), ef,
                    null);
            endRow(fromZero, "topk 1/" + s.budget() + (ef ? " + EF" : ""), r, ref.loss()[0], ref.endLoss(),
                    ref.accuracy()[0], ref.endAccuracy());
        }
        for (String label : s.fromZeroCodecs().split(",")) {
            if (label.isBlank()) {
                continue;
            }
            CodecQuality.CodecAt at = byLabel.get(label.strip());
            if (at == null) {
                fromZero.note(label.strip(), "skipped: no baseline labelled so (see the quality table)");
                continue;
            }
            CompressedRounds.Result r = CompressedRounds.run(fed, initial, 0, rounds, at::at, true, null);
            endRow(fromZero, label.strip() + " + EF", r, ref.loss()[0], ref.endLoss(), ref.accuracy()[0],
                    ref.endAccuracy());
        }
    }

    private static CompressedRounds.Result slice(CompressedRounds.Result r, int from) {
        return new CompressedRounds.Result(Arrays.copyOfRange(r.loss(), from, r.loss().length),
                Arrays.copyOfRange(r.accuracy(), from, r.accuracy().length), r.meanCosine(), r.payloadBytes(),
                r.extraBytes(), r.last());
    }

    private static void endRow(SeedTable table, String row, CompressedRounds.Result r, double lossStart, double lossRef,
                               double accStart, double accRef) {
        table.add(row, "end eval loss", r.endLoss()).add(row, "end accuracy", r.endAccuracy())
                .add(row, "gain recovered (loss)", GainRecovered.loss(lossStart, r.endLoss(), lossRef))
                .add(row, "gain recovered (acc)", GainRecovered.accuracy(accStart, r.endAccuracy(), accRef))
                .add(row, "mean update cos", r.meanCosine())
                .add(row, "upload bytes / client-round", r.payloadBytes() + r.extraBytes());
    }
}
