package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import io.cgfed.core.tensor.NamedTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * QSGD (Alistarh et al.): every value becomes sign x level / s of the update's L2 norm, the level
 * rounded up or down at random with the probability that keeps the expectation exact (unbiased),
 * reproducibly under {@code seed}. Body: {@code f32 norm | u16 s | n x i8 (signed level)}, so
 * {@code levels} (s) is at most 127: about a quarter of the float32 bytes.
 */
public final class QsgdCodec implements Codec {
    public static final String NAME = "qsgd";
    private final int levels;
    private final long seed;

    public QsgdCodec(Map<String, Object> settings) {
        this.levels = CodecSettings.integer(settings, "levels", 16, 1, 127);
        this.seed = CodecSettings.seed(settings);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte[] encode(NamedTensors update) {
        // straight from each tensor's values (no flattened copy): the norm, then the levels
        double s0 = 0;
        double s1 = 0;
        for (String name : update.names()) {
            float[] d = update.get(name).data();
            int i = 0;
            for (; i + 1 < d.length; i += 2) {
                s0 += (double) d[i] * d[i];
                s1 += (double) d[i + 1] * d[i + 1];
            }
            for (; i < d.length; i++) {
                s0 += (double) d[i] * d[i];
            }
        }
        float norm = (float) Math.sqrt(s0 + s1);
        long n = update.numel();
        if (n > Integer.MAX_VALUE - 6) {
            throw new IllegalArgumentException("qsgd encodes at most " + (Integer.MAX_VALUE - 6) + " values, got " + n);
        }
        byte[] body = new byte[6 + (int) n];
        LittleEndian.putInt(body, 0, Float.floatToRawIntBits(norm));
        body[4] = (byte) levels;
        body[5] = (byte) (levels >>> 8);
        if (norm == 0) {
            return body;
        }
        SplittableRandom random = new SplittableRandom(seed);
        float k = (float) (levels / (double) norm);
        // each value is rounded up with probability scaled - floor(scaled), against a 21-bit uniform; one
        // nextLong serves three values (not a nextDouble per value: twice as fast; the bias is below 2^-21)
        long draw = 0;
        int left = 0;
        int at = 6;
        for (String name : update.names()) {
            for (float v : update.get(name).data()) {
                if (left == 0) {
                    draw = random.nextLong();
                    left = 3;
                }
                body[at++] = level(v, k, (int) draw & 0x1FFFFF);
                draw >>>= 21;
                left--;
            }
        }
        return body;
    }

    /** The signed level of {@code v}: |v| k rounded down, or up where {@code uniform21} falls below the fraction. */
    private byte level(float v, float k, int uniform21) {
        float scaled = Math.abs(v) * k;
        int level = (int) scaled;
        level += uniform21 * 0x1p-21f < scaled - level ? 1 : 0;
        level = Math.min(level, levels);
        int negative = Float.floatToRawIntBits(v) >> 31; // -1 for a negative value, else 0: no branch
        return (byte) ((level ^ negative) - negative);
    }

    @Override
    public NamedTensors decode(byte[] body, List<TensorSpec> manifest) {
        long n = TensorSpec.totalNumel(manifest);
        if (body.length != 6 + n) {
            throw new PayloadFormatException("codec qsgd: body has " + body.length + " bytes, the manifest needs " + (6 + n));
        }
        ByteBuffer buf = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        float norm = buf.getFloat();
        int s = Short.toUnsignedInt(buf.getShort());
        if (s < 1 || s > 127 || !(norm >= 0) || Float.isInfinite(norm)) {
            throw new PayloadFormatException("codec qsgd: levels " + s + " or norm " + norm + " out of range");
        }
        float[] x = new float[(int) n];
        float k = norm / s;
        int outOfRange = 0;
        for (int i = 0; i < n; i++) {
            int level = body[6 + i];
            outOfRange |= s - Math.abs(level); // negative where |level| > s: one check after the loop
            x[i] = k * level;
        }
        if (outOfRange < 0) {
            throw new PayloadFormatException("codec qsgd: a level exceeds " + s);
        }
        return Manifests.split(x, manifest);
    }
}
