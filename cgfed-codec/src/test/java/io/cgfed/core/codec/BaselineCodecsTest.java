package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BaselineCodecsTest {
    private static final NamedTensors UPDATE = update(1000, 3);
    private static final List<TensorSpec> MANIFEST = TensorSpec.manifestOf(UPDATE);

    static NamedTensors update(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n / 2];
        float[] b = new float[n - n / 2];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (r.nextGaussian() * 0.01);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) (r.nextGaussian() * 0.002);
        }
        return new NamedTensors().put("a", new FloatTensor(new int[] {a.length}, a)).put("b", new FloatTensor(new int[] {b.length}, b));
    }

    @Test
    void int8KeepsEachBlockWithinHalfAStepOfItsAbsmax() {
        Codec c = Codecs.create("int8", Map.of("blockSize", 32));
        byte[] body = c.encode(UPDATE);
        assertThat(body).hasSize(4 + 4 * 32 + 1000); // 1000 values in 32 blocks of 32 (the last one short)
        float[] x = UPDATE.flatten();
        float[] y = c.decode(body, MANIFEST).flatten();
        for (int blockStart = 0; blockStart < x.length; blockStart += 32) {
            float absmax = 0;
            for (int i = blockStart; i < Math.min(x.length, blockStart + 32); i++) {
                absmax = Math.max(absmax, Math.abs(x[i]));
            }
            for (int i = blockStart; i < Math.min(x.length, blockStart + 32); i++) {
                assertThat(y[i]).isCloseTo(x[i], within(absmax / 127f / 2 + 1e-9f));
            }
        }
        assertThat(ReconstructionQuality.of(UPDATE, c.decode(body, MANIFEST)).snrDb()).isGreaterThan(30);
    }

    @Test
    void topKSendsExactlyTheLargestMagnitudesAndZeroesTheRest() {
        Codec c = Codecs.create("topk", Map.of("fraction", 0.05));
        byte[] body = c.encode(UPDATE);
        assertThat(body).hasSize(4 + 6 * 50);
        float[] x = UPDATE.flatten();
        float[] y = c.decode(body, MANIFEST).flatten();
        float smallestKept = Float.MAX_VALUE;
        float largestDropped = 0;
        int kept = 0;
        for (int i = 0; i < x.length; i++) {
            if (y[i] != 0) {
                kept++;
                smallestKept = Math.min(smallestKept, Math.abs(x[i]));
                assertThat(y[i]).isCloseTo(x[i], within(Math.abs(x[i]) * 1e-3f));
            } else {
                largestDropped = Math.max(largestDropped, Math.abs(x[i]));
            }
        }
        assertThat(kept).isEqualTo(50);
        assertThat(smallestKept).isGreaterThanOrEqualTo(largestDropped);
    }

    @Test
    void qsgdIsUnbiasedReproducibleUnderItsSeedAndAQuarterOfTheBytes() {
        float[] x = UPDATE.flatten();
        double[] mean = new double[x.length];
        int trials = 4000;
        for (int t = 0; t < trials; t++) {
            float[] y = Codecs.create("qsgd", Map.of("levels", 4, "seed", t)).decode(
                    Codecs.create("qsgd", Map.of("levels", 4, "seed", t)).encode(UPDATE), MANIFEST).flatten();
            for (int i = 0; i < x.length; i++) {
                mean[i] += y[i] / (double) trials;
            }
        }
        double err = 0;
        double sig = 0;
        for (int i = 0; i < x.length; i++) {
            err += (mean[i] - x[i]) * (mean[i] - x[i]);
            sig += (double) x[i] * x[i];
        }
        assertThat(Math.sqrt(err / sig)).as("relative error of the mean of 4000 draws").isLessThan(0.1);
        Codec seeded = Codecs.create("qsgd", Map.of("seed", 7));
        assertThat(seeded.encode(UPDATE)).isEqualTo(Codecs.create("qsgd", Map.of("seed", 7)).encode(UPDATE))
                .isNotEqualTo(Codecs.create("qsgd", Map.of("seed", 8)).encode(UPDATE)).hasSize(6 + 1000);
    }

    @Test
    void malformedBodiesAreFormatErrors() {
        byte[] topk = Codecs.create("topk", Map.of("fraction", 0.01)).encode(UPDATE);
        ByteBuffer.wrap(topk).order(ByteOrder.LITTLE_ENDIAN).putInt(4 + 4, 0); // second index below the first
        assertThatThrownBy(() -> new TopKCodec(Map.of()).decode(topk, MANIFEST)).isInstanceOf(PayloadFormatException.class);
        byte[] qsgd = Codecs.create("qsgd", Map.of("levels", 2)).encode(UPDATE);
        qsgd[10] = 9; // level above s
        assertThatThrownBy(() -> new QsgdCodec(Map.of()).decode(qsgd, MANIFEST)).isInstanceOf(PayloadFormatException.class);
        byte[] int8 = Codecs.create("int8", Map.of()).encode(UPDATE);
        assertThatThrownBy(() -> new Int8Codec(Map.of()).decode(java.util.Arrays.copyOf(int8, int8.length - 1), MANIFEST))
                .isInstanceOf(PayloadFormatException.class);
        byte[] nanScale = int8.clone();
        ByteBuffer.wrap(nanScale).order(ByteOrder.LITTLE_ENDIAN).putFloat(4 + 4, Float.NaN); // block 1's absmax
        assertThatThrownBy(() -> new Int8Codec(Map.of()).decode(nanScale, MANIFEST)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("block 1 has scale NaN");
    }

    @Test
    void topKOfALargeUpdateIsExactlyTheLargestMagnitudesWithTiesToTheLowerPosition() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        int n = 16 * TopKCodec.SAMPLE + 123;
        for (int trial = 0; trial < 3; trial++) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                double g = r.nextGaussian();
                // trial 0 Gaussian; 1 coarse levels (many ties at the threshold); 2 heavy-tailed with a bump of zeros
                x[i] = switch (trial) {
                    case 0 -> (float) g;
                    case 1 -> Math.round(g * 4) / 4f;
                    default -> i % 7 == 0 ? 0f : (float) (g * g * g);
                };
            }
            for (int k : new int[] {1, 17, n / 200, n / 16}) {
                Integer[] order = new Integer[n];
                for (int i = 0; i < n; i++) {
                    order[i] = i;
                }
                float[] xs = x;
                java.util.Arrays.sort(order, (a, b) -> {
                    int c = Float.compare(Math.abs(xs[b]), Math.abs(xs[a]));
                    return c != 0 ? c : Integer.compare(a, b);
                });
                int[] expected = java.util.Arrays.stream(order, 0, k).mapToInt(Integer::intValue).sorted().toArray();
                assertThat(TopKCodec.largest(x, k)).as("trial %d, k %d", trial, k).containsExactly(expected);
            }
        }
    }

    @Test
    void everyCodecIsDescribedAndItsDefaultsAreValidSettings() {
        assertThat(Codecs.describe()).extracting(Codecs.Description::name).containsExactlyElementsOf(Codecs.names());
        for (Codecs.Description d : Codecs.describe()) {
            assertThat(d.summary()).isNotBlank();
            Codecs.validate(d.name(), d.defaults());
            if (!Codecs.learned(d.name())) {
                assertThat(Codecs.create(d.name(), d.defaults()).name()).isEqualTo(d.name());
            }
        }
        // a learned codec is not built from settings alone: it needs a trained version
        assertThatThrownBy(() -> Codecs.create("cgae", Map.of())).hasMessageContaining("trained codec version");
    }

    @Test
    void badSettingsAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> Codecs.create("topk", Map.of("fraction", 2))).hasMessageContaining("fraction");
        assertThatThrownBy(() -> Codecs.create("qsgd", Map.of("levels", 500))).hasMessageContaining("levels");
        assertThatThrownBy(() -> Codecs.create("int8", Map.of("blockSize", "big"))).hasMessageContaining("blockSize");
    }
}
