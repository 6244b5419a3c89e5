package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import io.cgfed.core.tensor.NamedTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * Blockwise absmax int8 quantisation (as NVFlare's blockwise8): the values, in manifest order, are cut
 * into blocks of {@code blockSize}; each block sends its largest magnitude as float32 and every value
 * as round(127 x value / absmax). Body: {@code u32 blockSize | nBlocks x f32 absmax | n x i8}. About a
 * quarter of the float32 bytes.
 */
public final class Int8Codec implements Codec {
    public static final String NAME = "int8";
    private final int blockSize;

    public Int8Codec(Map<String, Object> settings) {
        this.blockSize = CodecSettings.integer(settings, "blockSize", 64, 1, 1 << 20);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte[] encode(NamedTensors update) {
        float[] x = update.flatten();
        int blocks = (x.length + blockSize - 1) / blockSize;
        byte[] body = new byte[4 + 4 * blocks + x.length];
        LittleEndian.putInt(body, 0, blockSize);
        int q = 4 + 4 * blocks;
        // block by block, the bytes written straight into the body (no ByteBuffer call, no division per value)
        for (int b = 0; b < blocks; b++) {
            int from = b * blockSize;
            int to = Math.min(x.length, from + blockSize);
            float m = 0;
            for (int i = from; i < to; i++) {
                m = Math.max(m, Math.abs(x[i]));
            }
            LittleEndian.putInt(body, 4 + 4 * b, Float.floatToRawIntBits(m));
            if (m == 0) {
                q += to - from;
                continue;
            }
            float k = 127 / m;
            for (int i = from; i < to; i++, q++) {
                // |x k| <= 127 by the choice of m; Math.round is floor(v + 0.5), as before
                body[q] = (byte) Math.round(x[i] * k);
            }
        }
        return body;
    }

    @Override
    public NamedTensors decode(byte[] body, List<TensorSpec> manifest) {
        long n = TensorSpec.totalNumel(manifest);
        if (body.length < 4) {
            throw new PayloadFormatException("codec int8: body of " + body.length + " bytes has no block size");
        }
        ByteBuffer buf = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        int size = buf.getInt();
        if (size < 1) {
            throw new PayloadFormatException("codec int8: block size " + size + " is not positive");
        }
        long blocks = (n + size - 1) / size;
        if (body.length != 4 + 4 * blocks + n) {
            throw new PayloadFormatException("codec int8: body has " + body.length + " bytes, the manifest needs "
                    + (4 + 4 * blocks + n) + " with block size " + size);
        }
        float[] absmax = new float[(int) blocks];
        for (int b = 0; b < blocks; b++) {
            absmax[b] = buf.getFloat();
            if (!(absmax[b] >= 0) || Float.isInfinite(absmax[b])) {
                throw new PayloadFormatException("codec int8: block " + b + " has scale " + absmax[b] + " (must be finite, >= 0)");
            }
        }
        float[] x = new float[(int) n];
        int q = 4 + 4 * (int) blocks;
        for (int b = 0; b < blocks; b++) {
            float k = absmax[b] / 127f;
            for (int i = b * size, end = (int) Math.min(n, (long) (b + 1) * size); i < end; i++) {
                x[i] = k * body[q++];
            }
        }
        return Manifests.split(x, manifest);
    }
}
