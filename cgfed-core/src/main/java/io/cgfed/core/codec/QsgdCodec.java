package io.cgfed.core.codec;

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
        float[] x = update.flatten();
        double sq = 0;
        for (float v : x) {
            sq += (double) v * v;
        }
        float norm = (float) Math.sqrt(sq);
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer buf = ByteBuffer.allocate(4 + 2 + x.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putFloat(norm).putShort((short) levels);
        for (float v : x) {
            if (norm == 0) {
                buf.put((byte) 0);
                continue;
            }
            double scaled = Math.abs(v) / norm * levels;
            int level = (int) Math.floor(scaled);
            if (random.nextDouble() < scaled - level) {
                level++;
            }
            level = Math.min(level, levels);
            buf.put((byte) (v < 0 ? -level : level));
        }
        return buf.array();
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
        for (int i = 0; i < n; i++) {
            int level = buf.get();
            if (Math.abs(level) > s) {
                throw new PayloadFormatException("codec qsgd: level " + level + " exceeds " + s);
            }
            x[i] = norm * level / s;
        }
        return Manifests.split(x, manifest);
    }
}
