package io.cgfed.core.codec.cgae;

import io.cgfed.core.codec.ReconstructionQuality;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * TGAP: trains a {@code cgae} codec on update snapshots (per-round increments) collected from
 * clients over time, and measures it on a held-out part: whole clients when there are several (a
 * codec must generalise to updates it has not seen), otherwise the latest snapshots.
 */
public final class CgaeTraining {
    private CgaeTraining() {
    }

    /** One collected update: which client made it, at which collection step. */
    public record Sample(int client, int step, NamedTensors update) {
    }

    /** Reconstruction quality over a set of updates: means per update, and of their average. */
    public record Quality(int updates, double cosine, double snrDb, double relativeError, double aggregateCosine) {
        public Map<String, Object> asMap(String prefix) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(prefix + "Updates", updates);
            m.put(prefix + "Cosine", cosine);
            m.put(prefix + "SnrDb", snrDb);
            m.put(prefix + "RelativeError", relativeError);
            m.put(prefix + "AggregateCosine", aggregateCosine);
            return m;
        }
    }

    public record Result(CodecModel model, Quality train, Quality heldOut, List<Integer> heldOutClients) {
        public Map<String, Object> qualityMap() {
            Map<String, Object> m = new LinkedHashMap<>(train.asMap("train"));
            if (heldOut != null) {
                m.putAll(heldOut.asMap("heldOut"));
            }
            m.put("heldOutClients", heldOutClients);
            return m;
        }
    }

    public static Result train(CgaeSettings settings, List<Sample> samples, TrainingProgress progress) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("TGAP needs at least one update snapshot");
        }
        List<TensorSpec> manifest = TensorSpec.manifestOf(samples.get(0).update());
        for (Sample s : samples) {
            if (!TensorSpec.manifestOf(s.update()).equals(manifest)) {
                throw new IllegalArgumentException("TGAP snapshots differ in their tensors (client " + s.client() + ", step "
                        + s.step() + ")");
            }
        }
        TreeSet<Integer> clients = new TreeSet<>();
        samples.forEach(s -> clients.add(s.client()));
        List<Sample> train = new ArrayList<>();
        List<Sample> held = new ArrayList<>();
        List<Integer> heldClients = new ArrayList<>();
        if (settings.heldOutFraction() > 0 && clients.size() >= 2) {
            int n = Math.min(clients.size() - 1, Math.max(1, (int) Math.round(settings.heldOutFraction() * clients.size())));
            heldClients.addAll(clients.descendingSet().stream().limit(n).sorted().toList());
            for (Sample s : samples) {
                (heldClients.contains(s.client()) ? held : train).add(s);
            }
        } else if (settings.heldOutFraction() > 0 && samples.size() >= 2) {
            List<Sample> byStep = new ArrayList<>(samples);
            byStep.sort(java.util.Comparator.comparingInt(Sample::step));
            int n = Math.min(samples.size() - 1, Math.max(1, (int) Math.round(settings.heldOutFraction() * samples.size())));
            train.addAll(byStep.subList(0, byStep.size() - n));
            held.addAll(byStep.subList(byStep.size() - n, byStep.size()));
        } else {
            train.addAll(samples);
        }
        int positions = TileLayout.positions(manifest, settings.tileSize());
        List<float[][]> prepared = new ArrayList<>();
        for (Sample s : train) {
            prepared.add(Tiles.prepared(TileLayout.tiles(s.update(), settings.tileSize()), settings.normalise()));
        }
        List<float[][]> heldPrepared = new ArrayList<>();
        for (Sample s : held) {
            heldPrepared.add(Tiles.prepared(TileLayout.tiles(s.update(), settings.tileSize()), settings.normalise()));
        }
        TileAutoencoder ae = Architectures.of(settings.architecture()).fit(prepared, positions, settings,
                progress.measuring(heldPrepared));
        CodecModel model = new CodecModel(settings, manifest, ae);
        return new Result(model, evaluate(model, train.stream().map(Sample::update).toList()),
                held.isEmpty() ? null : evaluate(model, held.stream().map(Sample::update).toList()), heldClients);
    }

    /** Encodes and decodes each update through the wire format and measures what came back. */
    public static Quality evaluate(CodecModel model, List<NamedTensors> updates) {
        CgaeCodec codec = new CgaeCodec(model);
        double cos = 0;
        double snr = 0;
        double rel = 0;
        NamedTensors sumRaw = null;
        NamedTensors sumRec = null;
        for (NamedTensors u : updates) {
            NamedTensors rec = codec.decode(codec.encode(u), model.manifest());
            ReconstructionQuality q = ReconstructionQuality.of(u, rec);
            cos += q.cosine();
            snr += Double.isFinite(q.snrDb()) ? q.snrDb() : 0;
            rel += Double.isFinite(q.relativeL2Error()) ? q.relativeL2Error() : 0;
            sumRaw = sumRaw == null ? u.copy() : sumRaw.plus(u);
            sumRec = sumRec == null ? rec : sumRec.plus(rec);
        }
        int n = updates.size();
        double aggregate = n == 0 ? Double.NaN : ReconstructionQuality.of(sumRaw, sumRec).cosine();
        return new Quality(n, n == 0 ? Double.NaN : cos / n, n == 0 ? Double.NaN : snr / n, n == 0 ? Double.NaN : rel / n,
                aggregate);
    }
}
