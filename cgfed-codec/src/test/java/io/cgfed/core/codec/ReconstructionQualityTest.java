package io.cgfed.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReconstructionQualityTest {

    private static NamedTensors single(float... values) {
        return new NamedTensors().put("u", new FloatTensor(new int[] {values.length}, values));
    }

    private static float[] gaussian(long seed, int n) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = Math.max(random.nextDouble(), 1e-300);
            d[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return d;
    }

    @Test
    void identicalTensorsArePerfect() {
        NamedTensors x = CodecRoundTripTest.update(9);
        ReconstructionQuality q = ReconstructionQuality.of(x, x.copy());
        assertThat(q.cosine()).isCloseTo(1.0, within(1e-12));
        assertThat(q.relativeL2Error()).isZero();
        assertThat(q.snrDb()).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void constantReconstructionIgnoringTheInputIsUncorrelated() {
        float[] x = gaussian(1, 10_000);
        float[] constant = new float[x.length];
        Arrays.fill(constant, 0.5f);
        ReconstructionQuality q = ReconstructionQuality.of(single(x), single(constant));
        assertThat(Math.abs(q.cosine())).isLessThan(0.1);
        assertThat(q.relativeL2Error()).isGreaterThan(0.9);
    }

    @Test
    void independentRandomReconstructionIsUncorrelated() {
        float[] x = gaussian(1, 10_000);
        float[] y = gaussian(2, 10_000);
        ReconstructionQuality q = ReconstructionQuality.of(single(x), single(y));
        assertThat(Math.abs(q.cosine())).isLessThan(0.1);
        // |x - y|^2 ~ |x|^2 + |y|^2: relative error near sqrt(2), SNR near -3 dB
        assertThat(q.relativeL2Error()).isCloseTo(Math.sqrt(2), within(0.1));
        assertThat(q.snrDb()).isCloseTo(-3.0, within(0.5));
    }

    @Test
    void allZeroReconstructionHasCosineZeroAndRelativeErrorOne() {
        float[] x = gaussian(3, 1000);
        ReconstructionQuality q = ReconstructionQuality.of(single(x), single(new float[x.length]));
        assertThat(q.cosine()).isZero();
        assertThat(q.relativeL2Error()).isCloseTo(1.0, within(1e-12));
        assertThat(q.snrDb()).isCloseTo(0.0, within(1e-9));
    }

    @Test
    void orthogonalNoiseOfATenthGivesTwentyDecibels() {
        // x = (3, 4), |x|^2 = 25; error e = (0.4, -0.3), |e|^2 = 0.25 and e is orthogonal to x
        ReconstructionQuality q = ReconstructionQuality.of(single(3f, 4f), single(3.4f, 3.7f));
        assertThat(q.snrDb()).isCloseTo(10 * Math.log10(25 / 0.25), within(1e-4)); // 20 dB
        assertThat(q.snrDb()).isCloseTo(20.0, within(1e-4));
        assertThat(q.relativeL2Error()).isCloseTo(0.1, within(1e-6));
        assertThat(q.cosine()).isCloseTo(25 / (5 * Math.sqrt(3.4 * 3.4 + 3.7 * 3.7)), within(1e-6));
    }

    @Test
    void scaledCopyHasTheSnrOfItsScaleError() {
        // y = 0.9 x: e = 0.1 x, so SNR = 10 log10(1 / 0.01) = 20 dB, relative error 0.1, cosine 1
        float[] x = gaussian(4, 10_000);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = 0.9f * x[i];
        }
        ReconstructionQuality q = ReconstructionQuality.of(single(x), single(y));
        assertThat(q.snrDb()).isCloseTo(20.0, within(1e-3));
        assertThat(q.relativeL2Error()).isCloseTo(0.1, within(1e-5));
        assertThat(q.cosine()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void qualityIsMeasuredOverAllTensorsTogether() {
        // one exact tensor and one zeroed tensor of the same energy: |e|^2 = |x|^2 / 2 -> ~3.01 dB
        NamedTensors x = new NamedTensors()
                .put("a", new FloatTensor(new int[] {2}, new float[] {1f, 0f}))
                .put("b", new FloatTensor(new int[] {2}, new float[] {0f, 1f}));
        NamedTensors y = new NamedTensors()
                .put("a", new FloatTensor(new int[] {2}, new float[] {1f, 0f}))
                .put("b", new FloatTensor(new int[] {2}, new float[] {0f, 0f}));
        ReconstructionQuality q = ReconstructionQuality.of(x, y);
        assertThat(q.snrDb()).isCloseTo(10 * Math.log10(2), within(1e-9));
        assertThat(q.relativeL2Error()).isCloseTo(Math.sqrt(0.5), within(1e-9));
        assertThat(q.cosine()).isCloseTo(1 / Math.sqrt(2), within(1e-9));
    }
}
