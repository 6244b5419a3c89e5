package io.cgfed.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfTest {

    private static int bits(float v) {
        return Half.fromFloat(v) & 0xffff;
    }

    private static float pow2(int e) {
        return (float) Math.scalb(1.0, e);
    }

    @Test
    void zeroAndNegativeZeroKeepTheirSign() {
        assertThat(bits(0f)).isEqualTo(0x0000);
        assertThat(bits(-0f)).isEqualTo(0x8000);
        assertThat(Float.floatToRawIntBits(Half.toFloat((short) 0x0000))).isEqualTo(0);
        assertThat(Float.floatToRawIntBits(Half.toFloat((short) 0x8000))).isEqualTo(0x80000000);
    }

    @Test
    void representableNormalValuesConvertExactly() {
        assertThat(bits(1f)).isEqualTo(0x3c00);
        assertThat(bits(-2f)).isEqualTo(0xc000);
        assertThat(bits(0.5f)).isEqualTo(0x3800);
        assertThat(bits(65504f)).isEqualTo(0x7bff);
        assertThat(bits(-65504f)).isEqualTo(0xfbff);
        assertThat(bits(pow2(-14))).isEqualTo(0x0400); // smallest normal
        for (float v : new float[] {1f, -2f, 0.5f, 65504f, -65504f, pow2(-14), 3.140625f, 1000f}) {
            assertThat(Half.toFloat(Half.fromFloat(v))).isEqualTo(v);
        }
    }

    @Test
    void subnormalsConvertExactly() {
        assertThat(bits(pow2(-24))).isEqualTo(0x0001); // smallest subnormal
        assertThat(bits(-pow2(-24))).isEqualTo(0x8001);
        assertThat(bits(1023 * pow2(-24))).isEqualTo(0x03ff); // largest subnormal
        assertThat(bits(pow2(-15))).isEqualTo(0x0200);
        assertThat(Half.toFloat((short) 0x0001)).isEqualTo(pow2(-24));
        assertThat(Half.toFloat((short) 0x03ff)).isEqualTo(1023 * pow2(-24));
        assertThat(Half.toFloat((short) 0x8001)).isEqualTo(-pow2(-24));
    }

    @Test
    void everyFiniteHalfSurvivesARoundTripThroughFloat() {
        for (int h = 0; h < 0x10000; h++) {
            if ((h & 0x7c00) == 0x7c00) {
                continue; // infinities and NaNs are covered separately
            }
            float f = Half.toFloat((short) h);
            assertThat(bits(f)).as("half 0x%04x (%s)", h, f).isEqualTo(h);
        }
    }

    @Test
    void tiesRoundToTheEvenMantissa() {
        // 1 + 2^-11 lies halfway between 1 (0x3c00, even) and 1 + 2^-10 (0x3c01, odd)
        assertThat(bits(1f + pow2(-11))).isEqualTo(0x3c00);
        // 1 + 3 * 2^-11 lies halfway between 0x3c01 (odd) and 0x3c02 (even)
        assertThat(bits(1f + 3 * pow2(-11))).isEqualTo(0x3c02);
        // negative ties mirror the positive ones
        assertThat(bits(-(1f + pow2(-11)))).isEqualTo(0xbc00);
        assertThat(bits(-(1f + 3 * pow2(-11)))).isEqualTo(0xbc02);
    }

    @Test
    void nonTiesRoundToTheNearestValue() {
        assertThat(bits(1f + pow2(-11) + pow2(-20))).isEqualTo(0x3c01);
        assertThat(bits(1f + pow2(-11) - pow2(-20))).isEqualTo(0x3c00);
        assertThat(bits(1f + pow2(-12))).isEqualTo(0x3c00);
    }

    @Test
    void roundingUpCarriesIntoTheExponent() {
        // halfway between 1.9990234375 (0x3bff, odd) and 2 (0x4000)
        assertThat(bits(1.99951171875f)).isEqualTo(0x4000);
        // largest subnormal + half a step rounds to the smallest normal
        assertThat(bits(1023.5f * pow2(-24))).isEqualTo(0x0400);
    }

    @Test
    void subnormalTiesRoundToEven() {
        assertThat(bits(pow2(-25))).isEqualTo(0x0000);        // halfway between 0 and 2^-24
        assertThat(bits(3 * pow2(-25))).isEqualTo(0x0002);    // halfway between 1 and 2 units
        assertThat(bits(5 * pow2(-25))).isEqualTo(0x0002);    // halfway between 2 and 3 units
        assertThat(bits(pow2(-25) + pow2(-40))).isEqualTo(0x0001);
    }

    @Test
    void valuesBelowHalfTheSmallestSubnormalFlushToSignedZero() {
        assertThat(bits(pow2(-26))).isEqualTo(0x0000);
        assertThat(bits(-pow2(-26))).isEqualTo(0x8000);
        assertThat(bits(Float.MIN_VALUE)).isEqualTo(0x0000);
        assertThat(bits(-Float.MIN_VALUE)).isEqualTo(0x8000);
    }

    @Test
    void overflowGoesToInfinity() {
        assertThat(bits(65520f)).isEqualTo(0x7c00); // halfway to 2^16 rounds to even, i.e. infinity
        assertThat(bits(Math.nextDown(65520f))).isEqualTo(0x7bff);
        assertThat(bits(1e6f)).isEqualTo(0x7c00);
        assertThat(bits(-1e6f)).isEqualTo(0xfc00);
        assertThat(bits(Float.MAX_VALUE)).isEqualTo(0x7c00);
        assertThat(bits(Float.POSITIVE_INFINITY)).isEqualTo(0x7c00);
        assertThat(bits(Float.NEGATIVE_INFINITY)).isEqualTo(0xfc00);
        assertThat(Half.toFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Half.toFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    @Test
    void nanStaysNan() {
        assertThat(Half.toFloat(Half.fromFloat(Float.NaN))).isNaN();
        assertThat(bits(Float.NaN) & 0x7c00).isEqualTo(0x7c00);
        assertThat(bits(Float.NaN) & 0x03ff).isNotZero();
        // a NaN whose payload sits only in the low mantissa bits must not collapse into infinity
        float lowPayloadNan = Float.intBitsToFloat(0x7f800001);
        assertThat(lowPayloadNan).isNaN();
        assertThat(Half.toFloat(Half.fromFloat(lowPayloadNan))).isNaN();
        assertThat(Half.toFloat(Half.fromFloat(Float.intBitsToFloat(0xff800001)))).isNaN();
        assertThat(Half.toFloat((short) 0x7e00)).isNaN();
    }

    @Test
    void randomFloatsRoundToTheNearestHalfWithTiesToEven() {
        // reference: all finite non-negative halves in increasing order
        List<Double> halves = new ArrayList<>();
        for (int h = 0; h < 0x7c00; h++) {
            halves.add((double) Half.toFloat((short) h));
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int n = 0; n < 20_000; n++) {
            // log-uniform magnitudes over the whole half range, including subnormals
            float v = (float) Math.scalb(1.0 + random.nextDouble(), random.nextInt(-27, 16));
            int expected = referenceBits(halves, v);
            assertThat(bits(v)).as("fp16 of %s", v).isEqualTo(expected);
            assertThat(bits(-v)).as("fp16 of %s", -v).isEqualTo(expected | 0x8000);
        }
    }

    private static int referenceBits(List<Double> halves, float v) {
        double x = v;
        if (x >= 65520.0) {
            return 0x7c00;
        }
        int lo = 0;
        int hi = halves.size() - 1;
        while (lo < hi) { // largest index with halves[i] <= x
            int mid = (lo + hi + 1) >>> 1;
            if (halves.get(mid) <= x) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if (lo == halves.size() - 1) {
            return lo;
        }
        double below = x - halves.get(lo);
        double above = halves.get(lo + 1) - x;
        if (below < above) {
            return lo;
        }
        if (above < below) {
            return lo + 1;
        }
        return (lo & 1) == 0 ? lo : lo + 1;
    }

    @Test
    void bf16WidensToTheUpperHalfOfAFloat() {
        assertThat(Half.bf16ToFloat((short) 0x3f80)).isEqualTo(1f);
        assertThat(Half.bf16ToFloat((short) 0xc000)).isEqualTo(-2f);
        assertThat(Half.bf16ToFloat((short) 0x4049)).isEqualTo(3.140625f);
        assertThat(Half.bf16ToFloat((short) 0x7f80)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Half.bf16ToFloat((short) 0xff80)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Half.bf16ToFloat((short) 0x7fc0)).isNaN();
        assertThat(Float.floatToRawIntBits(Half.bf16ToFloat((short) 0x8000))).isEqualTo(0x80000000);
        assertThat(Half.bf16ToFloat((short) 0x0001)).isEqualTo(Float.intBitsToFloat(0x00010000));
    }

    @Test
    void bf16WideningEqualsTruncatingAFloatToItsTopSixteenBits() {
        SplittableRandom random = new SplittableRandom(7);
        for (int n = 0; n < 10_000; n++) {
            int b = random.nextInt();
            float widened = Half.bf16ToFloat((short) (b >>> 16));
            assertThat(Float.floatToRawIntBits(widened)).isEqualTo(b & 0xffff0000);
        }
    }
    private static int bf16(float v) {
        return Half.floatToBf16(v) & 0xffff;
    }

    @Test
    void bf16OfRepresentableValuesIsExact() {
        assertThat(bf16(1f)).isEqualTo(0x3f80);
        assertThat(bf16(-2f)).isEqualTo(0xc000);
        assertThat(bf16(3.140625f)).isEqualTo(0x4049);
        assertThat(bf16(0f)).isEqualTo(0x0000);
        assertThat(bf16(-0f)).isEqualTo(0x8000);
        assertThat(bf16(Float.POSITIVE_INFINITY)).isEqualTo(0x7f80);
        assertThat(bf16(Float.NEGATIVE_INFINITY)).isEqualTo(0xff80);
        for (int b = 0; b < 0x10000; b++) {
            float f = Half.bf16ToFloat((short) b);
            if (!Float.isNaN(f)) {
                assertThat(bf16(f)).as("bf16 0x%04x", b).isEqualTo(b);
            }
        }
    }

    @Test
    void bf16TiesRoundToTheEvenMantissa() {
        // 1 + 2^-8 lies halfway between 1 (0x3f80, even) and 1 + 2^-7 (0x3f81, odd)
        assertThat(bf16(1f + pow2(-8))).isEqualTo(0x3f80);
        assertThat(bf16(1f + 3 * pow2(-8))).isEqualTo(0x3f82);
        assertThat(bf16(-(1f + pow2(-8)))).isEqualTo(0xbf80);
        assertThat(bf16(-(1f + 3 * pow2(-8)))).isEqualTo(0xbf82);
        assertThat(bf16(1f + pow2(-8) + pow2(-20))).isEqualTo(0x3f81);
        assertThat(bf16(1f + pow2(-8) - pow2(-20))).isEqualTo(0x3f80);
        // subnormal ties
        assertThat(bf16(Float.intBitsToFloat(0x00008000))).isEqualTo(0x0000);
        assertThat(bf16(Float.intBitsToFloat(0x00018000))).isEqualTo(0x0002);
        assertThat(bf16(Float.intBitsToFloat(0x00008001))).isEqualTo(0x0001);
        assertThat(bf16(Float.MIN_VALUE)).isEqualTo(0x0000);
    }

    @Test
    void bf16RoundingCarriesIntoTheExponentAndOverflowsToInfinity() {
        assertThat(bf16(Float.intBitsToFloat(0x3fff8000))).isEqualTo(0x4000); // tie, odd mantissa 0x7f
        assertThat(bf16(Float.MAX_VALUE)).isEqualTo(0x7f80);
        assertThat(bf16(-Float.MAX_VALUE)).isEqualTo(0xff80);
        assertThat(bf16(Float.intBitsToFloat(0x7f7f7fff))).isEqualTo(0x7f7f);
        assertThat(bf16(Float.intBitsToFloat(0x7f7f8000))).isEqualTo(0x7f80);
    }

    @Test
    void bf16OfNanIsNanWithItsSign() {
        for (int bits : new int[] {0x7fc00000, 0x7f800001, 0x7f80ffff, 0xff800001, 0xffc00000}) {
            short b = Half.floatToBf16(Float.intBitsToFloat(bits));
            assertThat(Half.bf16ToFloat(b)).isNaN();
            assertThat(b < 0).isEqualTo(bits < 0);
        }
    }

    @Test
    void randomFloatsRoundToTheNearestBf16WithTiesToEven() {
        SplittableRandom random = new SplittableRandom(11);
        for (int n = 0; n < 50_000; n++) {
            int bits = random.nextInt() & 0x7fffffff;
            if (bits >= 0x7f800000) {
                continue;
            }
            float v = Float.intBitsToFloat(bits);
            int lo = bits >>> 16;
            double below = (double) v - Half.bf16ToFloat((short) lo);
            double above = (lo + 1 == 0x7f80 ? 0x1p128 : (double) Half.bf16ToFloat((short) (lo + 1))) - v;
            int expected = below < above ? lo : above < below ? lo + 1 : ((lo & 1) == 0 ? lo : lo + 1);
            assertThat(bf16(v)).as("bf16 of %s", v).isEqualTo(expected);
            assertThat(bf16(-v)).as("bf16 of %s", -v).isEqualTo(expected | 0x8000);
        }
    }
}
