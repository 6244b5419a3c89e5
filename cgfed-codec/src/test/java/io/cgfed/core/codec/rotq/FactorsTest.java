package io.cgfed.core.codec.rotq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.codec.ReconstructionQuality;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** rotq's entropy quantiser with the matrices' leading singular directions sent as factors. */
class FactorsTest {
    /**
     * LoRA-shaped matrices (8 x 64 and 64 x 8) whose energy leans on one direction, as the bench's ΔA and ΔB
     * do (there the top direction holds 43-48 % of a matrix's energy): a rank-1 part plus white noise.
     */
    static NamedTensors structured(long seed, double rankOneShare) {
        SplittableRandom r = new SplittableRandom(seed);
        NamedTensors u = new NamedTensors();
        for (int t = 0; t < 14; t++) {
            int rows = t % 2 == 0 ? 8 : 64;
            int cols = t % 2 == 0 ? 64 : 8;
            double[] a = gaussians(r, rows);
            double[] b = gaussians(r, cols);
            float[] d = new float[rows * cols];
            double spike = Math.sqrt(rankOneShare);
            double noise = Math.sqrt(1 - rankOneShare);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    d[i * cols + j] = (float) (0.01 * (spike * a[i] * b[j] + noise * RotqCodecTest.gaussian(r)));
                }
            }
            u.put("layer" + t / 2 + (t % 2 == 0 ? ".lora_A" : ".lora_B"), new FloatTensor(new int[] {rows, cols}, d));
        }
        return u;
    }

    private static double[] gaussians(SplittableRandom r, int n) {
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = RotqCodecTest.gaussian(r);
        }
        return g;
    }

    private static double snr(Codec c, NamedTensors u) {
        return ReconstructionQuality.of(u, c.decode(c.encode(u), TensorSpec.manifestOf(u))).snrDb();
    }

    @Test
    void exactFactorsRebuildARankOneMatrixAndOnlySmallSidedMatricesTakeThem() {
        NamedTensors u = structured(1, 1.0);
        List<Factors.Placement> layout = Factors.layout(TensorSpec.manifestOf(u), 1);
        assertThat(layout).hasSize(14);
        float[] x = u.flatten();
        float[] residual = x.clone();
        Factors.expand(Factors.of(x, layout), layout, residual, -1);
        double xx = 0;
        double rr = 0;
        for (int i = 0; i < x.length; i++) {
            xx += (double) x[i] * x[i];
            rr += (double) residual[i] * residual[i];
        }
        assertThat(rr / xx).isLessThan(1e-8);
        List<TensorSpec> other = List.of(new TensorSpec("vector", new int[] {512}), new TensorSpec("wide", new int[] {128, 128}),
                new TensorSpec("thin", new int[] {1, 512}), new TensorSpec("lora", new int[] {16, 4096}));
        assertThat(Factors.layout(other, 2)).singleElement().satisfies(p -> {
            assertThat(p.offset()).isEqualTo(512 + 128 * 128 + 512);
            assertThat(p.coefficients()).isEqualTo(2 * (16 + 4096));
        });
    }

    @Test
    void factorsRaiseTheSnrOfStructuredUpdatesAtHalfABitWithinTheBudget() {
        NamedTensors u = structured(2, 0.45);
        Codec flat = RotqCodecTest.codec(7, "compression", 64, "quantiser", "entropy", "factors", 0);
        Codec factored = RotqCodecTest.codec(7, "compression", 64, "quantiser", "entropy");
        byte[] body = factored.encode(u);
        assertThat(body[3] & RotqCodec.FLAG_FACTORS).as("the factored body was chosen").isNotZero();
        assertThat(body[4]).isEqualTo((byte) 1);
        assertThat((long) body.length).isLessThanOrEqualTo(u.numel() * 4 / 64);
        assertThat(factored.encode(u)).as("deterministic").isEqualTo(body);
        double gain = snr(factored, u) - snr(flat, u);
        assertThat(gain).as("dB over the rotation alone").isGreaterThan(0.5);
        assertThat(snr(RotqCodecTest.codec(7, "compression", 64, "quantiser", "entropy", "factors", 2), u))
                .isGreaterThan(snr(flat, u));
    }

    @Test
    void theEncoderNeverDoesWorseThanWithoutFactors() {
        // white matrices (nothing for factors to find) at every rate, and structured ones at the lowest
        for (NamedTensors u : List.of(RotqCodecTest.update(3, 14, 8, 64), structured(4, 0.3))) {
            for (double bits : new double[] {2, 0.5, 0.125}) {
                Codec flat = RotqCodecTest.codec(11, "bits", bits, "quantiser", "entropy", "factors", 0);
                Codec factored = RotqCodecTest.codec(11, "bits", bits, "quantiser", "entropy", "factors", 1);
                assertThat(snr(factored, u)).as("%s bits", bits).isGreaterThanOrEqualTo(snr(flat, u) - 1e-9);
            }
        }
    }

    @Test
    void malformedFactoredBodiesAreRefused() {
        NamedTensors u = structured(5, 0.45);
        List<TensorSpec> manifest = TensorSpec.manifestOf(u);
        Codec c = RotqCodecTest.codec(3, "compression", 64, "quantiser", "entropy");
        byte[] body = c.encode(u);
        assertThat(body[3] & RotqCodec.FLAG_FACTORS).isNotZero();
        byte[] none = body.clone();
        none[4] = 0;
        refused(c, none, manifest, "factors per matrix");
        byte[] many = body.clone();
        many[4] = 5;
        refused(c, many, manifest, "factors per matrix");
        byte[] lloyd = body.clone();
        lloyd[0] = RotqCodec.QUANTISER_LLOYD;
        refused(c, lloyd, manifest, "factors come with the entropy quantiser");
        byte[] unbiased = body.clone();
        unbiased[3] = (byte) (RotqCodec.FLAG_FACTORS | RotqCodec.FLAG_UNBIASED);
        refused(c, unbiased, manifest, "flags");
        byte[] nan = body.clone();
        nan[5] = (byte) 0xc1;
        nan[6] = (byte) 0x7f;
        refused(c, nan, manifest, "scale");
        refused(c, java.util.Arrays.copyOf(body, body.length - 3), manifest, "past its end");
        refused(c, java.util.Arrays.copyOf(body, FactoredBody.HEADER + 2), manifest, "too short");
        refused(c, java.util.Arrays.copyOf(body, body.length + 1), manifest, "after the coded stream");
        refused(c, body, List.of(new TensorSpec("vector", new int[] {(int) u.numel()})), "without a matrix");
    }

    private static void refused(Codec c, byte[] body, List<TensorSpec> manifest, String reason) {
        assertThatThrownBy(() -> c.decode(body, manifest)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void factorsNeedTheEntropyQuantiserAndTheMseScale() {
        assertThat(RotqSettings.of(Map.of("quantiser", "entropy")).factors()).isEqualTo(1);
        assertThat(RotqSettings.of(Map.of()).factors()).isZero();
        assertThat(RotqSettings.of(Map.of("quantiser", "entropy", "bias", "unbiased")).factors()).isZero();
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("factors", 1),
                Map.of("quantiser", "entropy", "bias", "unbiased", "factors", 1), Map.of("quantiser", "entropy", "factors", 5),
                Map.of("quantiser", "entropy", "factors", -1))) {
            assertThatThrownBy(() -> RotqSettings.of(bad)).as(bad.toString()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'factors'");
        }
    }
}
