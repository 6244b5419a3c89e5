package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import io.cgfed.core.tensor.NamedTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** No compression: float32 little-endian values in manifest order. The reference for byte ratios. */
public final class NoneCodec implements Codec {
    public static final String NAME = "none";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte[] encode(NamedTensors update) {
        float[] values = update.flatten();
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return buf.array();
    }

    @Override
    public NamedTensors decode(byte[] body, List<TensorSpec> manifest) {
        long n = TensorSpec.totalNumel(manifest);
        if (body.length != n * 4) {
            throw new PayloadFormatException("codec none: body has " + body.length + " bytes, the manifest needs " + n * 4);
        }
        float[] values = new float[(int) n];
        ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return Manifests.split(values, manifest);
    }
}
