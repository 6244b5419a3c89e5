package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import io.cgfed.core.tensor.Half;
import io.cgfed.core.tensor.NamedTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** IEEE half precision, round to nearest even: half the bytes of float32. */
public final class Fp16Codec implements Codec {
    public static final String NAME = "fp16";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte[] encode(NamedTensors update) {
        // straight from each tensor into little-endian bytes: no flattened copy, no buffer per value
        byte[] out = new byte[Math.toIntExact(2 * update.numel())];
        int at = 0;
        for (String name : update.names()) {
            for (float v : update.get(name).data()) {
                short h = Half.fromFloat(v);
                out[at++] = (byte) h;
                out[at++] = (byte) (h >>> 8);
            }
        }
        return out;
    }

    @Override
    public NamedTensors decode(byte[] body, List<TensorSpec> manifest) {
        long n = TensorSpec.totalNumel(manifest);
        if (body.length != n * 2) {
            throw new PayloadFormatException("codec fp16: body has " + body.length + " bytes, the manifest needs " + n * 2);
        }
        float[] values = new float[(int) n];
        ByteBuffer buf = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i++) {
            values[i] = Half.toFloat(buf.getShort());
        }
        return Manifests.split(values, manifest);
    }
}
