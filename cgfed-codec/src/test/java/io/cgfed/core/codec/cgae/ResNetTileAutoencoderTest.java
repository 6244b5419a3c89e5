package io.cgfed.core.codec.cgae;

import static io.cgfed.core.codec.cgae.LinearCgaeTest.directions;
import static io.cgfed.core.codec.cgae.LinearCgaeTest.lowRankSamples;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.model.NativeArrays;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ResNetTileAutoencoderTest {
    /** 16 x 16 tiles (an update of 150 values is one tile), 31 latents each. */
    static CgaeSettings settings(Map<String, Object> extra) {
        Map<String, Object> m = new HashMap<>(Map.of("architecture", "resnet", "tile", 16, "compression", 16,
                "learningRate", 1e-3, "epochs", 3, "batchSize", 2, "heldOutFraction", 0.0));
        m.putAll(extra);
        return CgaeSettings.of(m);
    }

    @Test
    void trainsWithoutNaNAndCarriesExactlyTheLatentSizePerTile() {
        CgaeSettings s = settings(Map.of());
        assertThat(s.latentDim()).isEqualTo(31);
        // 5 tiles in batches of 2: the last batch takes the odd tile (BatchNorm cannot train on one)
        var samples = lowRankSamples(1, 5, 3, directions(3, 4), 1e-5);
        List<Double> losses = new ArrayList<>();
        TileAutoencoder ae = Architectures.of("resnet").fit(MlpTileAutoencoderTest.prepared(samples, s), 1, s,
                (epoch, epochs, loss) -> losses.add(loss));
        assertThat(losses).hasSize(3).allMatch(Double::isFinite);
        assertThat(ae).isInstanceOf(ResNetTileAutoencoder.class);
        assertThat(ae.architecture()).isEqualTo("resnet");
        CodecModel model = new CodecModel(s, TensorSpec.manifestOf(samples.get(0).update()), ae);

        float[][] tiles = MlpTileAutoencoderTest.prepared(samples, s).get(0);
        float[][] z = ae.encode(tiles);
        assertThat(z).hasDimensions(1, 31);
        for (float v : z[0]) {
            assertThat(v).isFinite();
        }
        float[][] huge = new float[2][31];
        for (int j = 0; j < 31; j++) {
            huge[0][j] = 1000f * (j % 2 == 0 ? 1 : -1);
            huge[1][j] = -huge[0][j];
        }
        for (float[][] latents : List.of(z, huge)) {
            for (float[] row : ae.decode(latents)) {
                assertThat(row).hasSize(256);
                for (float v : row) {
                    assertThat(v).isBetween(-1f, 1f);
                }
            }
        }
        // one bf16 scale and 31 fp16 latents
        assertThat(new CgaeCodec(model).encode(samples.get(0).update())).hasSize(8 + 2 + 62);

        NamedTensors state = ae.state();
        assertThat(state.names()).allMatch(n -> n.startsWith("resnet.encoder.") || n.startsWith("resnet.decoder."));
        // running statistics moved from their initial 0 and 1 while training, and are saved
        assertThat(state.get("resnet.encoder.stage1.bn.running_mean").data()).isNotEqualTo(new float[2]);
        assertThat(state.get("resnet.encoder.stage1.bn.running_var").data()).isNotEqualTo(new float[] {1, 1});
    }

    @Test
    void layoutHalvesTheTileDownToOnePixelWithTheLatentAsChannels() {
        Map<String, int[]> layout = ResNetTileAutoencoder.layout(64, 127);
        assertThat(layout.keySet().stream().filter(n -> n.matches("resnet\\.encoder\\.stage\\d\\.conv\\.weight"))).hasSize(6);
        assertThat(layout.get("resnet.encoder.stage1.conv.weight")).containsExactly(2, 1, 3, 3);
        assertThat(layout.get("resnet.encoder.stage6.conv.weight")).containsExactly(64, 32, 3, 3);
        assertThat(layout.get("resnet.encoder.block2.conv2.weight")).containsExactly(64, 64, 3, 3);
        assertThat(layout.get("resnet.encoder.latent.weight")).containsExactly(127, 64, 1, 1);
        assertThat(layout.get("resnet.decoder.latent.weight")).containsExactly(64, 127, 1, 1);
        assertThat(layout.get("resnet.decoder.stage6.deconv.weight")).containsExactly(64, 32, 3, 3);
        assertThat(layout.get("resnet.decoder.stage1.bn.running_var")).containsExactly(1);
        assertThat(layout.get("resnet.decoder.output.weight")).containsExactly(1, 1, 3, 3);
        assertThat(ResNetTileAutoencoder.layout(256, 7).get("resnet.encoder.stage8.conv.weight")).containsExactly(64, 64, 3, 3);
        CgaeSettings s = settings(Map.of("tile", 4));
        TileAutoencoder tiny = ResNetTileAutoencoder.initial(2, s);
        assertThat(tiny.encode(new float[2][16])).hasDimensions(2, s.latentDim());
        assertThat(tiny.decode(new float[2][s.latentDim()])).hasDimensions(2, 16);
    }

    @Test
    void transposedConvolutionIsPyTorchsConvTranspose2d() {
        Random r = new Random(1);
        int n = 2;
        int in = 3;
        int out = 2;
        int h = 3;
        int w = 4;
        float[] x = new float[n * in * h * w];
        float[] k = new float[in * out * 9];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) r.nextGaussian();
        }
        // the definition: out[b, o, 2i - 1 + ky, 2j - 1 + kx] += x[b, c, i, j] * k[c, o, ky, kx], cut to 2h x 2w
        float[] expected = new float[n * out * 2 * h * 2 * w];
        for (int b = 0; b < n; b++) {
            for (int c = 0; c < in; c++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        for (int o = 0; o < out; o++) {
                            for (int ky = 0; ky < 3; ky++) {
                                for (int kx = 0; kx < 3; kx++) {
                                    int y = 2 * i - 1 + ky;
                                    int xx = 2 * j - 1 + kx;
                                    if (y >= 0 && y < 2 * h && xx >= 0 && xx < 2 * w) {
                                        expected[((b * out + o) * 2 * h + y) * 2 * w + xx] +=
                                                x[((b * in + c) * h + i) * w + j] * k[((c * out + o) * 3 + ky) * 3 + kx];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        try (var ignored = new NoGrad(); NDManager m = NDManager.newBaseManager()) {
            NDArray kernel = NativeArrays.of(m, k, new Shape(in, out, 3, 3));
            var net = new Net(Map.of("k", kernel), m, false);
            NDArray y = net.convTranspose2x(NativeArrays.of(m, x, new Shape(n, in, h, w)), "k");
            assertThat(y.getShape()).isEqualTo(new Shape(n, out, 2 * h, 2 * w));
            float[] got = y.toFloatArray();
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).isCloseTo(expected[i], Offset.offset(1e-4f));
            }
        }
    }

    @Test
    void savesLoadsAndAdaptsWithoutTouchingTheRunningStatistics() {
        CgaeSettings s = settings(Map.of("epochs", 1, "batchSize", 4));
        var samples = lowRankSamples(1, 3, 5, directions(3, 6), 1e-5);
        CodecModel model = CgaeTraining.train(s, samples, TrainingProgress.NONE).model();
        CgaeCodec codec = new CgaeCodec(model);
        CodecModel reloaded = CodecModel.read(model.toBytes());
        byte[] body = codec.encode(samples.get(1).update());
        assertThat(new CgaeCodec(reloaded).encode(samples.get(1).update())).isEqualTo(body);
        assertThat(new CgaeCodec(reloaded).decode(body, model.manifest()).flatten())
                .containsExactly(codec.decode(body, model.manifest()).flatten());

        TileAutoencoder ae = model.autoencoder();
        NamedTensors state = ae.state();
        List<float[][]> fresh = MlpTileAutoencoderTest.prepared(lowRankSamples(1, 3, 7, directions(3, 8), 1e-5), s);
        NamedTensors g = ae.contribution(fresh);
        assertThat(g.names()).isNotEmpty().noneMatch(n -> n.contains("running"));
        assertThat(g.size()).isEqualTo((int) state.names().stream().filter(n -> !n.contains("running")).count());
        g.forEach((name, t) -> {
            assertThat(t.shape()).as(name).containsExactly(state.get(name).shape());
            for (float v : t.data()) {
                assertThat(v).as(name).isFinite();
            }
        });
        TileAutoencoder after = ae.adapt(List.of(g, ae.contribution(fresh.subList(0, 2))), s);
        NamedTensors next = after.state();
        assertThat(next.get("resnet.decoder.stage1.bn.running_var").data())
                .containsExactly(state.get("resnet.decoder.stage1.bn.running_var").data());
        assertThat(next.get("resnet.encoder.latent.weight").data()).isNotEqualTo(state.get("resnet.encoder.latent.weight").data());
        assertThat(after.decode(after.encode(fresh.get(0)))[0]).doesNotContain(Float.NaN);

        NamedTensors withStats = g.copy().put("resnet.encoder.stage1.bn.running_mean", FloatTensor.zeros(2));
        assertThatThrownBy(() -> ae.adapt(List.of(withStats), s)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a trainable weight");
        assertThatThrownBy(() -> ResNetTileAutoencoder.fromState(state, 1, settings(Map.of("compression", 32))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resnet.encoder.latent.weight");
    }
}
