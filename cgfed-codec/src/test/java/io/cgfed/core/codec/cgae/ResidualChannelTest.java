package io.cgfed.core.codec.cgae;

import static io.cgfed.core.codec.cgae.LinearCgaeTest.directions;
import static io.cgfed.core.codec.cgae.LinearCgaeTest.lowRankSamples;
import static io.cgfed.core.codec.cgae.LinearCgaeTest.split;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.tensor.NamedTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResidualChannelTest {
    /** 150 values in 3 tiles of 64; 16 body bytes per tile at 1/16, half of them for the residual. */
    static final Map<String, Object> HALF = Map.of("tile", 8, "compression", 16, "heldOutFraction", 0.0,
            "residualFraction", 0.5);

    private static CodecModel train(Map<String, Object> settings) {
        return CgaeTraining.train(CgaeSettings.of(settings), lowRankSamples(3, 8, 5, directions(3, 6), 1e-5),
                TrainingProgress.NONE).model();
    }

    @Test
    void budgetIsSharedBetweenLatentAndResidual() {
        CgaeSettings s = CgaeSettings.of(HALF);
        assertThat(s.latentDim()).isEqualTo(3);              // (16 x 0.5 - 2) / 2
        assertThat(s.residualCount(3)).isEqualTo(3);         // (3 x (16 - 6 - 2) - 4) / 6
        assertThat(CgaeSettings.of(Map.of("tile", 8, "compression", 16)).residualCount(3)).isZero();
        CgaeCodec codec = new CgaeCodec(train(HALF));
        byte[] body = codec.encode(lowRankSamples(1, 1, 40, directions(3, 6), 1e-5).get(0).update());
        assertThat(body).hasSize(8 + 3 * (2 + 2 * 3) + 4 + 6 * 3);
        assertThat(body.length - 8).isLessThanOrEqualTo(3 * s.budgetBytesPerTile());
        assertThat(CgaeSettings.of(s.asMap())).isEqualTo(s);
        assertThatThrownBy(() -> CgaeSettings.of(Map.of("residualFraction", 0.95))).hasMessageContaining("residualFraction");
    }

    @Test
    void residualChannelDeliversWhatTheLatentCannotRepresent() {
        CodecModel model = train(HALF);
        float[] v = lowRankSamples(1, 1, 41, directions(3, 6), 1e-5).get(0).update().flatten();
        v[77] += 0.5f;     // a spike far outside the learned subspace
        v[140] -= 0.25f;
        NamedTensors update = split(v);
        CgaeCodec codec = new CgaeCodec(model);
        float[] back = codec.decode(codec.encode(update), model.manifest()).flatten();
        assertThat((double) back[77]).isCloseTo(v[77], within(2e-3));
        assertThat((double) back[140]).isCloseTo(v[140], within(2e-3));
        // without the channel the learned part alone spreads the spike over its basis
        CgaeSettings off = CgaeSettings.of(Map.of("tile", 8, "compression", 16, "heldOutFraction", 0.0));
        CodecModel plain = CgaeTraining.train(off, lowRankSamples(3, 8, 5, directions(3, 6), 1e-5), TrainingProgress.NONE)
                .model();
        CgaeCodec plainCodec = new CgaeCodec(plain);
        float[] plainBack = plainCodec.decode(plainCodec.encode(update), plain.manifest()).flatten();
        assertThat(Math.abs(plainBack[77] - v[77])).isGreaterThan(0.1f);
    }

    @Test
    void channelSurvivesASaveLoad() {
        CodecModel model = train(HALF);
        NamedTensors u = lowRankSamples(1, 1, 42, directions(3, 6), 1e-5).get(0).update();
        byte[] body = new CgaeCodec(model).encode(u);
        CgaeCodec reloaded = new CgaeCodec(CodecModel.read(model.toBytes()));
        assertThat(reloaded.model().settings().residualFraction()).isEqualTo(0.5);
        assertThat(reloaded.decode(body, model.manifest()).flatten())
                .containsExactly(new CgaeCodec(model).decode(body, model.manifest()).flatten());
    }

    @Test
    void decoderRefusesABadResidualSection() {
        CodecModel model = train(HALF);
        CgaeCodec codec = new CgaeCodec(model);
        byte[] body = codec.encode(lowRankSamples(1, 1, 43, directions(3, 6), 1e-5).get(0).update());
        List<TensorSpec> manifest = model.manifest();
        int section = 8 + 3 * (2 + 2 * 3);
        byte[] count = body.clone();
        ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).putInt(section, 2);
        assertThatThrownBy(() -> codec.decode(count, manifest)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("residual values");
        byte[] order = body.clone();
        ByteBuffer.wrap(order).order(ByteOrder.LITTLE_ENDIAN).putInt(section + 4 + 4, 0);   // second index 0: not ascending
        assertThatThrownBy(() -> codec.decode(order, manifest)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("ascending");
        byte[] range = body.clone();
        ByteBuffer.wrap(range).order(ByteOrder.LITTLE_ENDIAN).putInt(section + 4 + 8, 150);   // past the 150 values
        assertThatThrownBy(() -> codec.decode(range, manifest)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("out of range");
        byte[] nan = body.clone();
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putShort(section + 4 + 12, (short) 0x7e00);
        assertThatThrownBy(() -> codec.decode(nan, manifest)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("not finite");
        assertThatThrownBy(() -> codec.decode(java.util.Arrays.copyOf(body, body.length - 1), manifest))
                .isInstanceOf(PayloadFormatException.class).hasMessageContaining("bytes");
    }

    @Test
    void uncentredCodecIsAPureProjection() {
        Map<String, Object> settings = Map.of("tile", 8, "compression", 16, "heldOutFraction", 0.0, "centre", false);
        CodecModel model = train(settings);
        CgaeCodec codec = new CgaeCodec(model);
        NamedTensors zero = split(new float[150]);
        assertThat(codec.decode(codec.encode(zero), model.manifest()).flatten()).containsOnly(0f);
        NamedTensors u = lowRankSamples(1, 1, 44, directions(3, 6), 1e-5).get(0).update();
        assertThat(io.cgfed.core.codec.ReconstructionQuality.of(u, codec.decode(codec.encode(u), model.manifest())).cosine())
                .isGreaterThan(0.99);
        NamedTensors state = model.autoencoder().state();
        assertThat(state.get("linear.mean").data()).containsOnly(0f);
        CgaeSettings s = CgaeSettings.of(settings);
        assertThat(s.centre()).isFalse();
        assertThat(CgaeSettings.of(s.asMap())).isEqualTo(s);
        // adaptation keeps the mean at zero
        NamedTensors contribution = model.autoencoder().contribution(List.<float[][]>of(
                Tiles.prepared(TileLayout.tiles(u, s.tileSize()), true)));
        assertThat(model.autoencoder().adapt(List.of(contribution), s).state().get("linear.mean").data()).containsOnly(0f);
    }

    @Test
    void largestKeepsTheBiggestMagnitudesAscendingWithTiesToTheLowerPosition() {
        float[] x = {0.1f, -3f, 2f, -2f, 0f, 2f};
        assertThat(io.cgfed.core.codec.TopKCodec.largest(x, 3)).containsExactly(1, 2, 3);
        assertThat(io.cgfed.core.codec.TopKCodec.largest(x, 1)).containsExactly(1);
        assertThat(io.cgfed.core.codec.TopKCodec.largest(x, 0)).isEmpty();
        assertThat(io.cgfed.core.codec.TopKCodec.largest(x, 10)).hasSize(6);
    }
}
