package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import io.cgfed.core.tensor.Half;
import io.cgfed.core.tensor.NamedTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * Top-k sparsification: keep the {@code fraction} of values with the largest magnitude (at least
 * one), send their positions and fp16 values; everything else decodes to zero. Body:
 * {@code u32 k | k x u32 index (ascending) | k x f16 value}: 6 bytes per kept value. Pair it with
 * error feedback, which hands what was dropped to the next round.
 */
public final class TopKCodec implements Codec {
    public static final String NAME = "topk";
    private final double fraction;

    public TopKCodec(Map<String, Object> settings) {
        this.fraction = CodecSettings.fraction(settings, "fraction", 0.01);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte[] encode(NamedTensors update) {
        float[] x = update.flatten();
        int k = Math.max(1, Math.min(x.length, (int) Math.round(fraction * x.length)));
        int[] kept = largest(x, k);
        ByteBuffer buf = ByteBuffer.allocate(4 + 6 * k).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(k);
        for (int i : kept) {
            buf.putInt(i);
        }
        for (int i : kept) {
            buf.putShort(Half.fromFloat(x[i]));
        }
        return buf.array();
    }

    /** Values drawn to estimate the threshold of a large update, and the updates large enough to draw them. */
    static final int SAMPLE = 1 << 14;

    /**
     * Positions of the k largest magnitudes, ascending; ties go to the lower position. O(n): the k-th
     * largest magnitude by selection, then one pass that keeps what is above it and, in position order, as
     * many of its equals as fill k. On a large update with a small k the selection runs on candidates only:
     * a threshold estimated from a seeded sample of the magnitudes, set low by a margin of several standard
     * deviations, keeps a few times k candidates in one sequential pass, and the exact k-th largest is
     * selected among them (exact whenever at least k candidates pass, which is checked; otherwise the
     * whole update is selected). A quickselect over all 8.4 M values of a 7B update took 40 ms of random
     * access; this is one pass.
     */
    public static int[] largest(float[] x, int k) {
        if (k <= 0) {
            return new int[0];
        }
        k = Math.min(k, x.length);
        if (x.length >= 8 * SAMPLE && k <= x.length / 16) {
            int[] candidates = candidates(x, k);
            if (candidates.length >= k) {
                return largestAmong(x, candidates, k);
            }
        }
        int[] all = new int[x.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return largestAmong(x, all, k);
    }

    /** Positions (ascending) whose magnitude reaches a threshold estimated to pass between k and a few k of them. */
    private static int[] candidates(float[] x, int k) {
        float[] sample = new float[SAMPLE];
        java.util.SplittableRandom r = new java.util.SplittableRandom(0x7F4A7C15L);
        for (int i = 0; i < SAMPLE; i++) {
            sample[i] = Math.abs(x[r.nextInt(x.length)]);
        }
        // the sample's expected count above the k-th largest, plus 6 standard deviations and a floor
        double expected = (double) k * SAMPLE / x.length;
        int rank = (int) Math.min(SAMPLE, Math.ceil(expected + 6 * Math.sqrt(expected) + 8));
        float threshold = select(sample, SAMPLE - rank);
        int count = 0;
        for (float v : x) {
            count += Math.abs(v) >= threshold ? 1 : 0;
        }
        int[] out = new int[count];
        for (int i = 0, at = 0; at < count; i++) {
            if (Math.abs(x[i]) >= threshold) {
                out[at++] = i;
            }
        }
        return out;
    }

    /** The k largest magnitudes among {@code positions} (ascending; all of them when there are k or fewer). */
    private static int[] largestAmong(float[] x, int[] positions, int k) {
        if (positions.length <= k) {
            return positions;
        }
        float[] mag = new float[positions.length];
        for (int i = 0; i < positions.length; i++) {
            mag[i] = Math.abs(x[positions[i]]);
        }
        float threshold = select(mag, positions.length - k);
        int above = 0;
        for (int p : positions) {
            if (Math.abs(x[p]) > threshold) {
                above++;
            }
        }
        int equalsWanted = k - above;
        int[] kept = new int[k];
        int at = 0;
        for (int i = 0; i < positions.length && at < k; i++) {
            float m = Math.abs(x[positions[i]]);
            if (m > threshold || (m == threshold && equalsWanted-- > 0)) {
                kept[at++] = positions[i];
            }
        }
        return kept;
    }

    /** The value of rank {@code r} (0 = smallest) of {@code a}, which it reorders: Hoare's quickselect, middle pivot. */
    static float select(float[] a, int r) {
        int lo = 0;
        int hi = a.length - 1;
        while (lo < hi) {
            float pivot = a[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    float t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (r <= j) {
                hi = j;
            } else if (r >= i) {
                lo = i;
            } else {
                return a[r];
            }
        }
        return a[r];
    }

    @Override
    public NamedTensors decode(byte[] body, List<TensorSpec> manifest) {
        long n = TensorSpec.totalNumel(manifest);
        if (body.length < 4) {
            throw new PayloadFormatException("codec topk: body of " + body.length + " bytes has no count");
        }
        ByteBuffer buf = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        long k = Integer.toUnsignedLong(buf.getInt());
        if (k > n || body.length != 4 + 6 * k) {
            throw new PayloadFormatException("codec topk: " + k + " kept values do not fit a body of " + body.length
                    + " bytes for " + n + " values");
        }
        int[] index = new int[(int) k];
        long previous = -1;
        for (int i = 0; i < k; i++) {
            long at = Integer.toUnsignedLong(buf.getInt());
            if (at >= n || at <= previous) {
                throw new PayloadFormatException("codec topk: index " + at + " is out of range or not ascending");
            }
            index[i] = (int) at;
            previous = at;
        }
        float[] x = new float[(int) n];
        for (int i = 0; i < k; i++) {
            x[index[i]] = Half.toFloat(buf.getShort());
        }
        return Manifests.split(x, manifest);
    }
}
