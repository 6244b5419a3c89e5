package io.cgfed.core.codec;

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
        ByteBuffer buf = ByteBuffer.allocate(4 + 4 * blocks + x.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(blockSize);
        float[] absmax = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            float m = 0;
            for (int i = b * blockSize; i < Math.min(x.length, (b + 1) * blockSize); i++) {
                m = Math.max(m, Math.abs(x[i]));
            }
            absmax[b] = m;
            buf.putFloat(m);
        }
        for (int i = 0; i < x.length; i++) {
            float m = absmax[i / blockSize];
            buf.put(m == 0 ? 0 : (byte) Math.max(-127, Math.min(127, Math.round(127 * x[i] / m))));
        }
        return buf.array();
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
        }
        float[] x = new float[(int) n];
        for (int i = 0; i < n; i++) {
            x[i] = absmax[i / size] * buf.get() / 127f;
        }
        return Manifests.split(x, manifest);
    }
}
