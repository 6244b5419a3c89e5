package io.cgfed.core.codec.rotq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.secagg.SecAggException;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SecureCodeTest {
    private static final int LENGTH = 7168; // the bench layout

    private static float[] gaussian(Random r, int n, double sd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * sd);
        }
        return x;
    }

    private static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    @Test
    void everyFormFitsTheBudgetAndTheSumsWidth() {
        // 1/64 of fp32 with 3 clients, 1-bit block-scaled levels: digits 0/1 sum to at most 3, 2 bits; 7 scales of 32
        SecureCode block = SecureCode.blockScaled(LENGTH, 64, 1, 0.5, 3, 11);
        assertThat(block.width()).isEqualTo(2);
        assertThat(block.blockScaled()).isTrue();
        assertThat(block.length()).isEqualTo(7 + 7 * 240); // (512 - 32) / 2 kept coordinates a block
        byte[] packed = block.pack(new int[block.length()]);
        assertThat(packed.length).isLessThanOrEqualTo(LENGTH * 4 / 64).isEqualTo(7 * 4 + 7 * 240 * 2 / 8);
        // 10 and 200 clients: wider sums, fewer coordinates, the same budget
        assertThat(SecureCode.blockScaled(LENGTH, 64, 1, 0.5, 10, 11).width()).isEqualTo(4);
        assertThat(SecureCode.blockScaled(LENGTH, 64, 1, 0.5, 200, 11).width()).isEqualTo(8);
        assertThat(SecureCode.blockScaled(LENGTH, 64, 3, 0.5, 3, 11).width()).isEqualTo(5); // [-9, 9]
        // a budget that keeps every coordinate at 1 bit widens the levels instead: 1/4 of 32 bits is 8 a value,
        // less the scales, so 5-bit levels ([-45, 45] summed: 7 bits) and all 1,024 coordinates of a block
        SecureCode quarter = SecureCode.blockScaled(LENGTH, 4, 1, 0.5, 3, 11);
        assertThat(quarter.bits()).isEqualTo(5);
        assertThat(quarter.width()).isEqualTo(7);
        assertThat(quarter.length()).isEqualTo(7 + LENGTH);
        assertThat(quarter.pack(new int[quarter.length()]).length).isLessThanOrEqualTo(LENGTH * 4 / 4);
        assertThat(SecureCode.blockScaled(LENGTH, 16, 1, 0.5, 3, 11).bits()).isEqualTo(1);
        // one scale for all (distributed DP): 16-bit levels of 3 clients need 18 bits, no head
        SecureCode fixed = SecureCode.fixedScale(LENGTH, 64, 16, 0.5, 3L * 32767, 11);
        assertThat(fixed.width()).isEqualTo(18);
        assertThat((long) fixed.length() * fixed.width()).isLessThanOrEqualTo(LENGTH * 32L / 64);
        assertThatThrownBy(() -> SecureCode.blockScaled(LENGTH, 64, 24, 0.5, 1 << 10, 11))
                .isInstanceOf(SecAggException.class).hasMessageContaining("overflow");
    }

    @Test
    void theSumOfTheClientsIntegersDecodesToTheSumOfWhatEachSent() {
        Random r = new Random(3);
        for (int bits : new int[] {1, 3}) {
            SecureCode code = SecureCode.blockScaled(LENGTH, 64, bits, 0.5, 5, 7);
            float[] x = gaussian(r, LENGTH, 0.01);
            int[] sum = new int[code.length()];
            float[] expected = new float[LENGTH];
            for (int client = 0; client < 5; client++) {
                // the same update, rounded five ways: the scales agree to a fixed-point step, so the sum is exact
                int[] levels = code.encode(x, new SplittableRandom(client));
                float[] own = code.decode(levels);
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += levels[i]; // what the masks leave after cancelling, modulo 2^32
                }
                for (int i = 0; i < LENGTH; i++) {
                    expected[i] += own[i];
                }
            }
            float[] got = code.decodeSum(sum, 5);
            for (int i = 0; i < LENGTH; i++) {
                assertThat((double) got[i]).as("bits %d value %d", bits, i).isCloseTo(expected[i], within(1e-6));
            }
            // and the wire keeps the integers the sum needs
            int[] back = code.unpack(code.pack(sum));
            assertThat(code.decodeSum(back, 5)).containsExactly(got);
        }
    }

    @Test
    void oneBitWithTheClientsScaleKeepsTheDirectionAndErrorFeedbackCatchesUp() {
        Random r = new Random(5);
        float[] x = gaussian(r, LENGTH, 1e-3);
        for (int i = 0; i < 1024; i++) {
            x[i] *= 20; // a block far larger than the rest: its own scale
        }
        SecureCode code = SecureCode.blockScaled(LENGTH, 64, 1, 0.5, 3, 1);
        float[] once = code.decode(code.encode(x, new SplittableRandom(1)));
        float[] projected = code.rotation().reconstruct(code.rotation().project(x));
        assertThat(cosine(once, projected)).as("against the kept coordinates").isGreaterThan(0.6);
        // rounds of the same update with a new rotation each, error feedback on: what is left behind stays bounded,
        // so the running sum's relative error falls as 1 / rounds
        double at40 = runningSumError(x, 40);
        double at160 = runningSumError(x, 160);
        assertThat(at160).as("relative error of the running sum after 160 rounds").isLessThan(0.1);
        assertThat(at160).as("against 40 rounds").isLessThan(at40 / 3);
    }

    private static double runningSumError(float[] x, int rounds) {
        float[] residual = new float[LENGTH];
        float[] sent = new float[LENGTH];
        for (int t = 0; t < rounds; t++) {
            SecureCode round = SecureCode.blockScaled(LENGTH, 64, 1, 0.5, 3, 100 + t);
            float[] intended = x.clone();
            for (int i = 0; i < LENGTH; i++) {
                intended[i] += residual[i];
            }
            float[] s = round.decode(round.encode(intended, new SplittableRandom(t)));
            for (int i = 0; i < LENGTH; i++) {
                residual[i] = intended[i] - s[i];
                sent[i] += s[i];
            }
        }
        double err = 0, norm = 0;
        for (int i = 0; i < LENGTH; i++) {
            double d = sent[i] - (double) rounds * x[i];
            err += d * d;
            norm += (double) rounds * x[i] * rounds * x[i];
        }
        return Math.sqrt(err / norm);
    }

    @Test
    void aScaleAboveTheClipRangeIsClippedAndABlockOfZerosSendsNothing() {
        SecureCode code = SecureCode.blockScaled(2048, 16, 1, 0.01, 3, 4);
        float[] x = new float[2048];
        for (int i = 0; i < 1024; i++) {
            x[i] = (i % 2 == 0 ? 1 : -1); // RMS 1, a hundred times the clip range
        }
        float[] back = code.decode(code.encode(x, new SplittableRandom(2)));
        double square = 0;
        for (int i = 0; i < 1024; i++) {
            square += (double) back[i] * back[i];
        }
        assertThat(Math.sqrt(square / 1024)).isLessThanOrEqualTo(0.01 * SecureCode.clip(1) * 1.0001);
        for (int i = 1024; i < 2048; i++) {
            assertThat(back[i]).isZero();
        }
    }
}
