package io.cgfed.core.codec.rotq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SummableRotationTest {
    private static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private static double energy(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return s;
    }

    @Test
    void theSumOfCodesDecodesToTheProjectionOfTheSum() {
        Random r = new Random(1);
        int length = 3000; // not a multiple of the block: the last block is padded
        SummableRotation rot = new SummableRotation(length, 1024, 128, 42);
        float[] a = gaussian(r, length);
        float[] b = gaussian(r, length);
        float[] sum = new float[length];
        for (int i = 0; i < length; i++) {
            sum[i] = a[i] + b[i];
        }
        float[] ca = rot.project(a);
        float[] cb = rot.project(b);
        float[] codes = new float[ca.length];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = ca[i] + cb[i];
        }
        float[] fromCodes = rot.reconstruct(codes);
        float[] direct = rot.reconstruct(rot.project(sum));
        for (int i = 0; i < length; i++) {
            assertThat((double) fromCodes[i]).isCloseTo(direct[i], within(1e-4));
        }
        assertThat(rot.codeLength()).isEqualTo(3 * 128);
        // it keeps about kept / block of a generic vector's energy; over whole blocks it is a projection (projecting
        // twice changes nothing; a padded last block is cut after the inverse rotation, so there it is not)
        assertThat(energy(rot.reconstruct(ca)) / energy(a)).isCloseTo(128.0 / 1024, within(0.03));
        SummableRotation whole = new SummableRotation(2048, 1024, 128, 42);
        float[] x = gaussian(r, 2048);
        float[] once = whole.reconstruct(whole.project(x));
        float[] twice = whole.reconstruct(whole.project(once));
        for (int i = 0; i < once.length; i++) {
            assertThat((double) twice[i]).isCloseTo(once[i], within(1e-4));
        }
    }

    @Test
    void keepingEveryCoordinateIsTheIdentityAndTheSeedIsShared() {
        Random r = new Random(2);
        float[] x = gaussian(r, 2048);
        SummableRotation all = new SummableRotation(2048, 1024, 1024, 7);
        float[] back = all.reconstruct(all.project(x));
        for (int i = 0; i < x.length; i++) {
            assertThat((double) back[i]).isCloseTo(x[i], within(1e-4));
        }
        // two clients with the same seed compute the same code; another seed another one
        assertThat(new SummableRotation(2048, 1024, 64, 7).project(x)).containsExactly(
                new SummableRotation(2048, 1024, 64, 7).project(x));
        assertThat(new SummableRotation(2048, 1024, 64, 8).project(x)).isNotEqualTo(
                new SummableRotation(2048, 1024, 64, 7).project(x));
    }
}
