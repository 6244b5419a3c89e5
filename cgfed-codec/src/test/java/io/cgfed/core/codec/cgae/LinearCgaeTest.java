package io.cgfed.core.codec.cgae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.codec.ReconstructionQuality;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearCgaeTest {
    /** Updates of 3 tensors (150 values: 3 tiles of 64, the last padded) drawn from a 5-dimensional subspace plus noise. */
    static List<CgaeTraining.Sample> lowRankSamples(int clients, int steps, long seed, double[][] directions, double noise) {
        Random r = new Random(seed);
        List<CgaeTraining.Sample> out = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            for (int s = 0; s < steps; s++) {
                float[] v = new float[150];
                for (double[] d : directions) {
                    double a = r.nextGaussian() * 0.01;
                    for (int i = 0; i < v.length; i++) {
                        v[i] += (float) (a * d[i]);
                    }
                }
                for (int i = 0; i < v.length; i++) {
                    v[i] += (float) (noise * r.nextGaussian());
                }
                out.add(new CgaeTraining.Sample(c, s, split(v)));
            }
        }
        return out;
    }

    static NamedTensors split(float[] v) {
        return new NamedTensors()
                .put("a", new FloatTensor(new int[] {4, 10}, java.util.Arrays.copyOfRange(v, 0, 40)))
                .put("b", new FloatTensor(new int[] {10, 5}, java.util.Arrays.copyOfRange(v, 40, 90)))
                .put("c", new FloatTensor(new int[] {60}, java.util.Arrays.copyOfRange(v, 90, 150)));
    }

    static double[][] directions(int n, long seed) {
        Random r = new Random(seed);
        double[][] d = new double[n][150];
        for (double[] row : d) {
            for (int i = 0; i < row.length; i++) {
                row[i] = r.nextGaussian();
            }
        }
        return d;
    }

    static final Map<String, Object> SMALL = Map.of("tile", 8, "compression", 16, "heldOutFraction", 0.25);

    @Test
    void settingsGiveTheLatentSizeForTheRatioAndRefuseNonsense() {
        CgaeSettings s = CgaeSettings.of(Map.of());
        assertThat(s.tileSize()).isEqualTo(1024);
        assertThat(s.latentDim()).isEqualTo(31);   // (4 x 1024 / 64 - 2) / 2
        assertThat(s.centre()).isFalse();
        assertThat(s.adaptFrom()).isEqualTo("server");
        assertThat(CgaeSettings.of(Map.of("tile", 64)).latentDim()).isEqualTo(127);
        assertThat(CgaeSettings.of(Map.of("tile", 64, "compression", 256)).latentDim()).isEqualTo(31);
        assertThat(CgaeSettings.of(Map.of("tile", 64, "compression", 16, "normalise", false)).latentDim()).isEqualTo(512);
        assertThatThrownBy(() -> CgaeSettings.of(Map.of("adaptFrom", "nobody"))).hasMessageContaining("adaptFrom");
        assertThatThrownBy(() -> CgaeSettings.of(Map.of("compression", 8))).hasMessageContaining("compression");
        assertThatThrownBy(() -> CgaeSettings.of(Map.of("architecture", "conv"))).hasMessageContaining("architecture");
        assertThatThrownBy(() -> CgaeSettings.of(Map.of("ratio", 64))).hasMessageContaining("'ratio' is not known");
        assertThat(CgaeSettings.of(s.asMap())).isEqualTo(s);
    }

    @Test
    void layoutRoundTripsAndPadsTheLastTile() {
        NamedTensors u = lowRankSamples(1, 1, 1, directions(2, 2), 0).get(0).update();
        float[][] tiles = TileLayout.tiles(u, 64);
        assertThat(tiles.length).isEqualTo(3);
        assertThat(tiles[2][150 - 128]).isZero();
        assertThat(tiles[0][40]).isEqualTo(u.get("b").data()[0]);
        NamedTensors back = TileLayout.untile(tiles, TensorSpec.manifestOf(u));
        assertThat(back.flatten()).containsExactly(u.flatten());
    }

    @Test
    void pcaReconstructsHeldOutClientsFromTheSameSubspace() {
        CgaeSettings s = CgaeSettings.of(SMALL);
        var result = CgaeTraining.train(s, lowRankSamples(4, 10, 3, directions(5, 4), 1e-5), TrainingProgress.NONE);
        assertThat(result.heldOutClients()).containsExactly(3);
        assertThat(result.heldOut().updates()).isEqualTo(10);
        assertThat(result.heldOut().cosine()).isGreaterThan(0.99);
        assertThat(result.heldOut().snrDb()).isGreaterThan(20);
        assertThat(result.heldOut().aggregateCosine()).isGreaterThan(0.99);
        // a subspace wider than the latent cannot be held: quality drops but stays meaningful
        var wide = CgaeTraining.train(s, lowRankSamples(4, 30, 3, directions(40, 4), 1e-5), TrainingProgress.NONE);
        assertThat(wide.heldOut().cosine()).isBetween(0.1, 0.95);
    }

    @Test
    void bodyHasTheAdvertisedSizeAndSurvivesTheWireAndASaveLoad() {
        CgaeSettings s = CgaeSettings.of(SMALL);
        var samples = lowRankSamples(3, 8, 5, directions(5, 6), 1e-5);
        CodecModel model = CgaeTraining.train(s, samples, TrainingProgress.NONE).model();
        CgaeCodec codec = new CgaeCodec(model);
        NamedTensors u = samples.get(0).update();
        byte[] body = codec.encode(u);
        // 3 tiles x (1 bf16 scale + 7 fp16 latents) + 8 bytes of counts; fp32 per tile is 256 bytes: 1/16
        assertThat(body).hasSize(8 + 3 * 16);
        CgaeCodec reloaded = new CgaeCodec(CodecModel.read(model.toBytes()));
        assertThat(reloaded.decode(body, model.manifest()).flatten()).containsExactly(codec.decode(body, model.manifest()).flatten());
        assertThat(ReconstructionQuality.of(u, reloaded.decode(body, model.manifest())).cosine()).isGreaterThan(0.99);
    }

    @Test
    void decoderRefusesBodiesAndManifestsItWasNotBuiltFor() {
        CgaeSettings s = CgaeSettings.of(SMALL);
        var samples = lowRankSamples(2, 4, 7, directions(3, 8), 1e-5);
        CgaeCodec codec = new CgaeCodec(CgaeTraining.train(s, samples, TrainingProgress.NONE).model());
        byte[] body = codec.encode(samples.get(0).update());
        List<TensorSpec> manifest = codec.model().manifest();
        assertThatThrownBy(() -> codec.decode(java.util.Arrays.copyOf(body, body.length - 2), manifest))
                .isInstanceOf(PayloadFormatException.class).hasMessageContaining("bytes");
        byte[] wrongCount = body.clone();
        wrongCount[0] = 4;
        assertThatThrownBy(() -> codec.decode(wrongCount, manifest)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("declares");
        byte[] nan = body.clone();
        nan[8 + 6] = 0x00;
        nan[8 + 7] = 0x7e;   // first latent: fp16 NaN
        assertThatThrownBy(() -> codec.decode(nan, manifest)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("non-finite");
        List<TensorSpec> other = List.of(new TensorSpec("a", new int[] {150}));
        assertThatThrownBy(() -> codec.decode(body, other)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("layout");
    }

    @Test
    void adaptationFollowsDriftToANewSubspace() {
        CgaeSettings s = CgaeSettings.of(Map.of("tile", 8, "compression", 16, "heldOutFraction", 0.0, "adaptMemory", 0.2));
        CodecModel before = CgaeTraining.train(s, lowRankSamples(3, 10, 9, directions(5, 10), 1e-5), TrainingProgress.NONE).model();
        double[][] drifted = directions(5, 11);
        var fresh = lowRankSamples(3, 6, 12, drifted, 1e-5);
        var later = lowRankSamples(2, 6, 13, drifted, 1e-5).stream().map(CgaeTraining.Sample::update).toList();
        double frozen = CgaeTraining.evaluate(before, later).cosine();
        List<NamedTensors> contributions = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            int client = c;
            List<float[][]> tiles = fresh.stream().filter(x -> x.client() == client)
                    .map(x -> Tiles.prepared(TileLayout.tiles(x.update(), s.tileSize()), true)).toList();
            NamedTensors contribution = before.autoencoder().contribution(tiles);
            assertThat(contribution.get("latent").shape()).containsExactly(6, 3, 7);
            contributions.add(contribution);
        }
        CodecModel after = before.withAutoencoder(before.autoencoder().adapt(contributions, s));
        double adapted = CgaeTraining.evaluate(after, later).cosine();
        assertThat(frozen).isLessThan(0.6);
        assertThat(adapted).isGreaterThan(0.9);
    }
}
