package io.cgfed.core.codec.rotq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.codec.ReconstructionQuality;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RotqCodecTest {
    /** An update shaped like LoRA factors: 7,168 Gaussian values with two magnitudes, as the bench model's. */
    static NamedTensors update(long seed, int tensors, int rows, int cols) {
        SplittableRandom r = new SplittableRandom(seed);
        NamedTensors u = new NamedTensors();
        for (int t = 0; t < tensors; t++) {
            float[] d = new float[rows * cols];
            double sigma = t % 2 == 0 ? 0.01 : 0.002;
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (sigma * gaussian(r));
            }
            u.put("t" + t, new FloatTensor(new int[] {rows, cols}, d));
        }
        return u;
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(Math.max(r.nextDouble(), 1e-300))) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    static Codec codec(long seed, Object... kv) {
        Map<String, Object> s = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            s.put((String) kv[i], kv[i + 1]);
        }
        return Codecs.create("rotq", s).seeded(seed);
    }

    static double nmse(NamedTensors x, NamedTensors y) {
        double e = ReconstructionQuality.of(x, y).relativeL2Error();
        return e * e;
    }

    private static NamedTensors roundTrip(Codec c, NamedTensors u) {
        return c.decode(c.encode(u), TensorSpec.manifestOf(u));
    }

    @Test
    void everySettingRoundTripsWithinItsBudget() {
        NamedTensors u = update(1, 16, 8, 56);
        long n = u.numel();
        for (String quantiser : List.of("lloyd", "entropy")) {
            for (double bits : new double[] {4, 3, 2, 1, 0.5, 0.25, 0.125}) {
                for (String bias : List.of("mse", "unbiased")) {
                    for (int block : new int[] {64, 1024}) {
                        if (block < 32 / bits) {
                            continue; // refused by the settings: the scales would take over half the budget
                        }
                        Codec c = codec(99, "bits", bits, "quantiser", quantiser, "bias", bias, "blockSize", block);
                        byte[] body = c.encode(u);
                        String what = quantiser + " " + bits + " bits " + bias + " block " + block;
                        assertThat((long) body.length).as(what).isLessThanOrEqualTo((long) Math.floor(n * bits / 8));
                        assertThat(c.encode(u)).as("deterministic: " + what).isEqualTo(body);
                        NamedTensors back = c.decode(body, TensorSpec.manifestOf(u));
                        assertThat(back.sameLayout(u)).isTrue();
                        assertThat(ReconstructionQuality.of(u, back).cosine()).as(what).isGreaterThan(bits >= 2 ? 0.85 : bits >= 1 ? 0.6 : 0.2);
                    }
                }
            }
        }
    }

    @Test
    void wholeBitLloydMaxDistortionOnGaussianDataIsWithinTenPercentOfTheTable() {
        NamedTensors u = update(2, 8, 64, 256); // 131,072 values
        for (int b = 1; b <= 4; b++) {
            double d = nmse(u, roundTrip(codec(5, "bits", b), u));
            assertThat(d).as("%d bits", b).isBetween(0.9 * LloydMax.gaussianDistortion(b), 1.1 * LloydMax.gaussianDistortion(b));
        }
    }

    @Test
    void halfABitBySubsamplingMatchesEdensFigureAndTheEntropyCoderBeatsIt() {
        NamedTensors u = update(3, 8, 64, 256);
        Codec sub = codec(5, "bits", 0.5);
        byte[] body = sub.encode(u);
        int kept = (body[4] & 0xff) | (body[5] & 0xff) << 8;
        double fraction = kept / 1024.0;
        // subsampled signs: the kept share at 1 - 2/pi, the rest lost: D = 1 - fraction x 2/pi
        double expected = 1 - fraction * (2 / Math.PI);
        double d = nmse(u, sub.decode(body, TensorSpec.manifestOf(u)));
        assertThat(d).isBetween(0.9 * expected, 1.1 * expected);
        double snrSub = 10 * Math.log10(1 / d);
        double snrEntropy = ReconstructionQuality.of(u, roundTrip(codec(5, "bits", 0.5, "quantiser", "entropy", "factors", 0), u))
                .snrDb();
        // the rate-distortion bound at 0.5 bit is 3.01 dB; an entropy-coded deadzone quantiser reaches about 2 dB
        assertThat(snrEntropy).isGreaterThan(snrSub).isGreaterThan(1.8).isLessThan(3.02);
    }

    @Test
    void theUnbiasedScaleAveragesToTheUpdateOverClientsWhileMseShrinksIt() {
        NamedTensors u = update(4, 4, 16, 64);
        int clients = 64;
        float[] x = u.flatten();
        double[] meanUnbiased = new double[x.length];
        double[] meanMse = new double[x.length];
        for (int c = 0; c < clients; c++) {
            float[] a = roundTrip(codec(1000 + c, "bits", 0.5, "bias", "unbiased"), u).flatten();
            float[] m = roundTrip(codec(1000 + c, "bits", 0.5), u).flatten();
            for (int i = 0; i < x.length; i++) {
                meanUnbiased[i] += a[i] / (double) clients;
                meanMse[i] += m[i] / (double) clients;
            }
        }
        double dot = 0;
        double xx = 0;
        double dotMse = 0;
        double err = 0;
        for (int i = 0; i < x.length; i++) {
            dot += meanUnbiased[i] * x[i];
            dotMse += meanMse[i] * x[i];
            xx += (double) x[i] * x[i];
            err += (meanUnbiased[i] - x[i]) * (meanUnbiased[i] - x[i]);
        }
        assertThat(dot / xx).as("projection of the unbiased mean on the update").isBetween(0.95, 1.05);
        assertThat(dotMse / xx).as("the mse scale shrinks").isLessThan(0.5);
        // independent errors average out: 64 clients' mean is far closer than one client's (NMSE about 1.6 each)
        assertThat(err / xx).isLessThan(0.1);
    }

    @Test
    void theRotationComesFromTheSharedSeedAndIsNotSent() {
        NamedTensors u = update(5, 16, 8, 56);
        byte[] body = codec(7, "bits", 1).encode(u);
        assertThat(body.length).isEqualTo(7168 / 8);
        NamedTensors right = codec(7).decode(body, TensorSpec.manifestOf(u));
        NamedTensors wrong = codec(8).decode(body, TensorSpec.manifestOf(u));
        assertThat(ReconstructionQuality.of(u, right).cosine()).isGreaterThan(0.75);
        assertThat(Math.abs(ReconstructionQuality.of(u, wrong).cosine())).isLessThan(0.1);
        assertThat(SharedSeeds.of("e1", 3, 2)).isEqualTo(SharedSeeds.of("e1", 3, 2))
                .isNotEqualTo(SharedSeeds.of("e1", 3, 1)).isNotEqualTo(SharedSeeds.of("e1", 2, 2))
                .isNotEqualTo(SharedSeeds.of("e2", 3, 2));
    }

    @Test
    void hadamardIsOrthogonalUpToItsScale() {
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[1024];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) gaussian(r);
        }
        float[] y = x.clone();
        Hadamard.forward(y, 0, 1024, 42);
        double xx = 0;
        double yy = 0;
        for (int i = 0; i < x.length; i++) {
            xx += x[i] * x[i];
            yy += y[i] * y[i];
        }
        assertThat(yy / xx).isCloseTo(1024, org.assertj.core.data.Offset.offset(1e-2));
        Hadamard.inverse(y, 0, 1024, 42);
        for (int i = 0; i < x.length; i++) {
            assertThat(y[i] / 1024).isCloseTo(x[i], org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    @Test
    void tinyAndRaggedUpdatesRoundTrip() {
        for (int n : new int[] {1, 2, 3, 63, 65, 1000, 1025}) {
            NamedTensors u = new NamedTensors().put("w", new FloatTensor(new int[] {n}, update(n, 1, 1, n).get("t0").data()));
            for (String q : List.of("lloyd", "entropy")) {
                NamedTensors back = roundTrip(codec(3, "bits", 4, "quantiser", q), u);
                assertThat(back.sameLayout(u)).isTrue();
                // below about 64 values the 8-byte header and the scale leave little of a 4-bit budget
                if (n > 60) {
                    assertThat(ReconstructionQuality.of(u, back).cosine()).as("n = %d, %s", n, q).isGreaterThan(0.85);
                }
            }
        }
        NamedTensors zero = new NamedTensors().put("w", new FloatTensor(new int[] {300}, new float[300]));
        for (String q : List.of("lloyd", "entropy")) {
            for (float v : roundTrip(codec(3, "bits", 0.5, "quantiser", q), zero).flatten()) {
                assertThat(Math.abs(v)).isZero();
            }
        }
    }

    @Test
    void malformedBodiesAreRefused() {
        NamedTensors u = update(6, 16, 8, 56);
        List<TensorSpec> manifest = TensorSpec.manifestOf(u);
        Codec c = codec(1, "bits", 2);
        byte[] lloyd = c.encode(u);
        byte[] entropy = codec(1, "bits", 0.5, "quantiser", "entropy", "factors", 0).encode(u);
        refused(c, java.util.Arrays.copyOf(lloyd, lloyd.length - 1), manifest, "bytes");
        refused(c, java.util.Arrays.copyOf(lloyd, lloyd.length + 1), manifest, "bytes");
        refused(c, new byte[3], manifest, "no header");
        byte[] levels = lloyd.clone();
        levels[2] = 5;
        refused(c, levels, manifest, "bits per level");
        byte[] nan = lloyd.clone();
        nan[8] = (byte) 0xc1; // bf16 0x7fc1: NaN
        nan[9] = (byte) 0x7f;
        refused(c, nan, manifest, "scale");
        byte[] negative = lloyd.clone();
        negative[9] |= (byte) 0x80;
        refused(c, negative, manifest, "scale");
        byte[] kept = lloyd.clone();
        kept[4] = 0;
        kept[5] = 0;
        refused(c, kept, manifest, "kept");
        byte[] block = lloyd.clone();
        block[1] = 14;
        refused(c, block, manifest, "block size");
        byte[] quantiser = lloyd.clone();
        quantiser[0] = 3;
        refused(c, quantiser, manifest, "unknown quantiser");
        byte[] oldLayout = lloyd.clone();
        oldLayout[0] = 0; // lloyd's layout before the shared subset: refused with the reason, never misread
        refused(c, oldLayout, manifest, "no longer reads");
        byte[] flags = lloyd.clone();
        flags[3] = 8;
        refused(c, flags, manifest, "flags");
        byte[] weightedLloyd = lloyd.clone();
        weightedLloyd[3] = RotqCodec.FLAG_WEIGHTED;
        refused(c, weightedLloyd, manifest, "weights come with the entropy quantiser");
        refused(c, java.util.Arrays.copyOf(entropy, entropy.length - 3), manifest, "past its end");
        refused(c, java.util.Arrays.copyOf(entropy, 4 + 14 + 2), manifest, "too short");
        byte[] trailing = java.util.Arrays.copyOf(entropy, entropy.length + 2);
        refused(c, trailing, manifest, "after the coded stream");
        // a 1-bit body of 7 x 1024 coordinates at a kept count leaving stray bits in its last byte
        byte[] stray = codec(1, "bits", 0.125).encode(u);
        if ((((stray[4] & 0xff) | (stray[5] & 0xff) << 8) * 7) % 8 != 0) {
            stray[stray.length - 1] |= (byte) 0x80;
            refused(c, stray, manifest, "stray bits");
        }
    }

    private static void refused(Codec c, byte[] body, List<TensorSpec> manifest, String reason) {
        assertThatThrownBy(() -> c.decode(body, manifest)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void settingsAreCheckedWithTheKeyNamed() {
        assertThat(RotqSettings.of(Map.of("compression", 64)).bits()).isEqualTo(0.5);
        assertThat(RotqSettings.of(Map.of()).bits()).isEqualTo(0.5);
        assertThat(RotqSettings.of(Map.of("compression", 256)).budgetBytes(7168)).isEqualTo(112);
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("bits", 0.5, "compression", 64),
                Map.of("bits", 5), Map.of("bits", 0.001), Map.of("compression", 2), Map.of("blockSize", 1000),
                Map.of("blockSize", 32), Map.of("bits", 0.25, "blockSize", 64), Map.of("quantiser", "trellis"), Map.of("bias", "low"), Map.of("bits", "half"),
                Map.of("weighting", "deltaW"), Map.of("quantiser", "entropy", "weighting", "rows"))) {
            assertThatThrownBy(() -> RotqSettings.of(bad)).as(bad.toString()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'");
        }
    }
}
