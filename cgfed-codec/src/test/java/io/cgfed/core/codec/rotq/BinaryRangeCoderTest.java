package io.cgfed.core.codec.rotq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.codec.PayloadFormatException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The adaptive binary range coder on its own: exact round trips, a rate near the entropy, bad streams refused. */
class BinaryRangeCoderTest {
    /** Symbols as the rotq entropy body codes them: per symbol a context (0..3) and a bit, or a direct bit (context -1). */
    private record Stream(int[] context, int[] bit) {
    }

    private static byte[] encode(Stream s) {
        BinaryRangeCoder.Encoder e = new BinaryRangeCoder.Encoder(16);
        short[] ctx = BinaryRangeCoder.contexts(4);
        for (int i = 0; i < s.bit.length; i++) {
            if (s.context[i] < 0) {
                e.encodeDirect(s.bit[i]);
            } else {
                e.encode(ctx, s.context[i], s.bit[i]);
            }
        }
        return e.finish();
    }

    private static int[] decode(byte[] coded, Stream s) {
        BinaryRangeCoder.Decoder d = new BinaryRangeCoder.Decoder(coded, 0, coded.length);
        short[] ctx = BinaryRangeCoder.contexts(4);
        int[] out = new int[s.bit.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.context[i] < 0 ? d.decodeDirect() : d.decode(ctx, s.context[i]);
        }
        assertThat(d.remaining()).as("the decoder reads exactly the coded bytes").isZero();
        return out;
    }

    private static Stream random(long seed, int n, double... pOne) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] c = new int[n];
        int[] b = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = r.nextInt(5) - 1;
            double p = c[i] < 0 ? 0.5 : pOne[c[i] % pOne.length];
            b[i] = r.nextDouble() < p ? 1 : 0;
        }
        return new Stream(c, b);
    }

    @Test
    void randomStreamsRoundTripExactly() {
        for (long seed = 0; seed < 40; seed++) {
            Stream s = random(seed, 1 + (int) (seed * 997 % 20_000), 0.5, 0.3, 0.9, 0.01);
            assertThat(decode(encode(s), s)).containsExactly(s.bit);
        }
    }

    @Test
    void skewedStreamsCodeCloseToTheirEntropy() {
        int n = 200_000;
        for (double p : new double[] {0.5, 0.2, 0.05, 0.005}) {
            SplittableRandom r = new SplittableRandom(7);
            int[] c = new int[n];
            int[] b = new int[n];
            for (int i = 0; i < n; i++) {
                b[i] = r.nextDouble() < p ? 1 : 0;
            }
            Stream s = new Stream(c, b);
            byte[] coded = encode(s);
            double entropyBytes = n * -(p * Math.log(p) + (1 - p) * Math.log(1 - p)) / Math.log(2) / 8;
            assertThat(decode(coded, s)).containsExactly(b);
            // adaptation to a fixed probability costs a few percent over the entropy
            assertThat((double) coded.length).as("p = %s", p).isLessThan((p < 0.01 ? 1.12 : 1.04) * entropyBytes + 8);
        }
    }

    @Test
    void adversarialStreamsRoundTrip() {
        int n = 50_000;
        int[] zeros = new int[n];
        int[] ones = new int[n];
        int[] alternating = new int[n];
        int[] runs = new int[n];
        java.util.Arrays.fill(ones, 1);
        for (int i = 0; i < n; i++) {
            alternating[i] = i & 1;
            runs[i] = (i / 3000) & 1; // long runs: the contexts saturate, then flip
        }
        for (int[] bits : new int[][] {zeros, ones, alternating, runs}) {
            for (int context : new int[] {0, -1}) {
                int[] c = new int[n];
                java.util.Arrays.fill(c, context);
                Stream s = new Stream(c, bits);
                assertThat(decode(encode(s), s)).containsExactly(bits);
            }
        }
        Stream empty = new Stream(new int[0], new int[0]);
        assertThat(encode(empty)).hasSize(4);
        assertThat(decode(encode(empty), empty)).isEmpty();
    }

    @Test
    void aStreamThatRunsPastItsEndIsRefused() {
        Stream s = random(3, 5_000, 0.5);
        byte[] coded = encode(s);
        byte[] cut = java.util.Arrays.copyOf(coded, coded.length / 2);
        assertThatThrownBy(() -> decode(cut, s)).isInstanceOf(PayloadFormatException.class).hasMessageContaining("past its end");
        assertThatThrownBy(() -> new BinaryRangeCoder.Decoder(new byte[3], 0, 3)).isInstanceOf(PayloadFormatException.class);
    }

    @Test
    void randomBytesDecodeOrAreRefusedAsFormatErrors() {
        SplittableRandom r = new SplittableRandom(11);
        Stream s = random(5, 3_000, 0.1, 0.7);
        for (int t = 0; t < 300; t++) {
            byte[] garbage = new byte[4 + r.nextInt(600)];
            for (int i = 0; i < garbage.length; i++) {
                garbage[i] = (byte) r.nextInt(256);
            }
            try {
                BinaryRangeCoder.Decoder d = new BinaryRangeCoder.Decoder(garbage, 0, garbage.length);
                short[] ctx = BinaryRangeCoder.contexts(4);
                for (int i = 0; i < s.bit.length; i++) {
                    int bit = s.context[i] < 0 ? d.decodeDirect() : d.decode(ctx, s.context[i]);
                    assertThat(bit).isBetween(0, 1);
                }
            } catch (PayloadFormatException expected) {
                assertThat(expected).hasMessageContaining("past its end");
            }
        }
    }
}
