package io.cgfed.core.codec.cgae;

import static io.cgfed.core.codec.cgae.LinearCgaeTest.directions;
import static io.cgfed.core.codec.cgae.LinearCgaeTest.lowRankSamples;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class MlpTileAutoencoderTest {
    /** Tiles of 64 values, 7 latents each; two directions span 6 dimensions over the 3 tile positions. */
    static CgaeSettings settings(Map<String, Object> extra) {
        Map<String, Object> m = new HashMap<>(Map.of("architecture", "mlp", "tile", 8, "compression", 16, "hidden", 32,
                "learningRate", 1e-2, "epochs", 30, "batchSize", 16, "heldOutFraction", 0.25));
        m.putAll(extra);
        return CgaeSettings.of(m);
    }

    static List<float[][]> prepared(List<CgaeTraining.Sample> samples, CgaeSettings s) {
        return samples.stream().map(x -> Tiles.prepared(TileLayout.tiles(x.update(), s.tileSize()), true)).toList();
    }

    /** The mean squared reconstruction error over normalised tiles, through encode and decode. */
    static double loss(TileAutoencoder ae, List<float[][]> samples) {
        double sum = 0;
        long n = 0;
        for (float[][] tiles : samples) {
            float[][] rec = ae.decode(ae.encode(tiles));
            for (int p = 0; p < tiles.length; p++) {
                for (int i = 0; i < tiles[p].length; i++) {
                    double d = tiles[p][i] - rec[p][i];
                    sum += d * d;
                    n++;
                }
            }
        }
        return sum / n;
    }

    @Test
    void trainsToReconstructHeldOutClientsFromALowRankSubspace() {
        CgaeSettings s = settings(Map.of());
        List<Double> losses = new ArrayList<>();
        var result = CgaeTraining.train(s, lowRankSamples(4, 10, 3, directions(2, 4), 1e-5),
                (epoch, epochs, loss) -> losses.add(loss));
        assertThat(losses).hasSize(30).allMatch(Double::isFinite);
        assertThat(losses.get(29)).isLessThan(losses.get(0) / 10);
        assertThat(result.model().autoencoder()).isInstanceOf(MlpTileAutoencoder.class);
        assertThat(result.heldOutClients()).containsExactly(3);
        assertThat(result.train().cosine()).isGreaterThan(0.8);
        assertThat(result.heldOut().cosine()).isGreaterThan(0.8);
    }

    @Test
    void weightsAreNamedAndSurviveASaveLoadAndConcurrentUse() throws Exception {
        CgaeSettings s = settings(Map.of("epochs", 3));
        var samples = lowRankSamples(2, 4, 5, directions(2, 6), 1e-5);
        CodecModel model = CgaeTraining.train(s, samples, TrainingProgress.NONE).model();
        NamedTensors state = model.autoencoder().state();
        assertThat(state.names()).allMatch(n -> n.startsWith("mlp.encoder.") || n.startsWith("mlp.decoder."))
                .contains("mlp.encoder.skip.weight", "mlp.decoder.skip.weight");
        assertThat(state.get("mlp.encoder.hidden.weight").shape()).containsExactly(32, 64);
        assertThat(state.get("mlp.decoder.skip.weight").shape()).containsExactly(64, 7);
        state.get("mlp.encoder.skip.weight").data()[0] += 1;   // a copy: the codec does not change
        assertThat(model.autoencoder().state().get("mlp.encoder.skip.weight").data()[0])
                .isNotEqualTo(state.get("mlp.encoder.skip.weight").data()[0]);

        CgaeCodec codec = new CgaeCodec(model);
        CgaeCodec reloaded = new CgaeCodec(CodecModel.read(model.toBytes()));
        NamedTensors u = samples.get(0).update();
        byte[] body = codec.encode(u);
        assertThat(reloaded.encode(u)).isEqualTo(body);
        assertThat(reloaded.decode(body, model.manifest()).flatten()).containsExactly(codec.decode(body, model.manifest()).flatten());

        float[][] tiles = prepared(samples, s).get(1);
        float[][] expected = model.autoencoder().decode(model.autoencoder().encode(tiles));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[][]>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> model.autoencoder().decode(model.autoencoder().encode(tiles))));
            }
            for (Future<float[][]> f : futures) {
                assertThat(f.get()).isDeepEqualTo(expected);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void restoringRefusesWeightsThatDoNotFitTheSettings() {
        CgaeSettings s = settings(Map.of());
        NamedTensors state = MlpTileAutoencoder.initial(3, s).state();
        assertThatThrownBy(() -> MlpTileAutoencoder.fromState(state, 3, settings(Map.of("hidden", 16))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'mlp.encoder.hidden.weight' must have shape [16, 64], got [32, 64]");
        NamedTensors withoutSkip = new NamedTensors();
        state.forEach((name, t) -> {
            if (!name.equals("mlp.decoder.skip.weight")) {
                withoutSkip.put(name, t);
            }
        });
        assertThatThrownBy(() -> MlpTileAutoencoder.fromState(withoutSkip, 3, s)).hasMessageContaining("missing");
        NamedTensors extra = state.copy().put("mlp.encoder.extra", FloatTensor.zeros(1));
        assertThatThrownBy(() -> MlpTileAutoencoder.fromState(extra, 3, s)).hasMessageContaining("unexpected tensor 'mlp.encoder.extra'");
        NamedTensors nan = state.copy();
        nan.get("mlp.encoder.latent.bias").data()[2] = Float.NaN;
        assertThatThrownBy(() -> MlpTileAutoencoder.fromState(nan, 3, s)).hasMessageContaining("non-finite");
        assertThatThrownBy(() -> MlpTileAutoencoder.initial(3, s).encode(new float[][] {new float[63]}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("63 values");
    }

    @Test
    void contributionsAreGradientsAndAdaptationLowersTheLossOnFreshUpdates() {
        CgaeSettings s = settings(Map.of("epochs", 20, "heldOutFraction", 0.0));
        TileAutoencoder before = CgaeTraining.train(s, lowRankSamples(3, 8, 9, directions(2, 10), 1e-5),
                TrainingProgress.NONE).model().autoencoder();
        var fresh = lowRankSamples(3, 6, 12, directions(2, 11), 1e-5);
        List<NamedTensors> contributions = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            int client = c;
            contributions.add(before.contribution(prepared(fresh.stream().filter(x -> x.client() == client).toList(), s)));
        }
        NamedTensors state = before.state();
        for (NamedTensors g : contributions) {
            assertThat(g.sameLayout(state)).isTrue();
            assertThat(g.flatten()).doesNotContain(Float.NaN);
        }
        List<float[][]> freshTiles = prepared(fresh, s);
        double lossBefore = loss(before, freshTiles);
        TileAutoencoder after = before.adapt(contributions, settings(Map.of("learningRate", 1e-3)));
        assertThat(after).isNotSameAs(before);
        assertThat(after.state().flatten()).isNotEqualTo(state.flatten());
        assertThat(before.state().flatten()).isEqualTo(state.flatten());
        assertThat(loss(after, freshTiles)).isLessThan(lossBefore);
        // the gradient of the mean loss over all fresh tiles is the mean of the clients' (equal-sized) gradients
        NamedTensors all = before.contribution(freshTiles);
        float[] mean = new float[(int) all.numel()];
        for (NamedTensors g : contributions) {
            float[] f = g.flatten();
            for (int i = 0; i < f.length; i++) {
                mean[i] += f[i] / 3;
            }
        }
        float[] a = all.flatten();
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).isCloseTo(mean[i], org.assertj.core.data.Offset.offset(1e-5f + 1e-3f * Math.abs(mean[i])));
        }
    }

    @Test
    void adaptationRefusesContributionsItCannotUse() {
        CgaeSettings s = settings(Map.of());
        TileAutoencoder ae = MlpTileAutoencoder.initial(3, s);
        NamedTensors good = ae.contribution(List.<float[][]>of(new float[3][64]));
        assertThat(ae.adapt(List.of(), s)).isSameAs(ae);
        NamedTensors nan = good.copy();
        nan.get("mlp.decoder.output.bias").data()[0] = Float.POSITIVE_INFINITY;
        assertThatThrownBy(() -> ae.adapt(List.of(good, nan), s)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-finite value in 'mlp.decoder.output.bias'");
        NamedTensors misshapen = good.copy().put("mlp.encoder.skip.weight", FloatTensor.zeros(7, 63));
        assertThatThrownBy(() -> ae.adapt(List.of(misshapen), s)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'mlp.encoder.skip.weight' with shape [7, 64], got [7, 63]");
        NamedTensors extra = good.copy().put("latent", FloatTensor.zeros(1));
        assertThatThrownBy(() -> ae.adapt(List.of(extra), s)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'latent'");
        NamedTensors partial = new NamedTensors().put("mlp.encoder.skip.weight", FloatTensor.zeros(7, 64));
        assertThatThrownBy(() -> ae.adapt(List.of(partial), s)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing");
    }
}
