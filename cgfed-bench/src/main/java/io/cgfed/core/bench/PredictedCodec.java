package io.cgfed.core.bench;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.tensor.NamedTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * An experiment towards the rebuilt learned codec (issue 14, item 5), in the bench only: side information
 * both sides hold. The previous round's global update p (the client has it as the difference of the last
 * two global adapters, the server as the aggregate it applied) predicts this update; the inner codec sends
 * what it does not predict, and one f32 coefficient: body = {@code f32 alpha | inner body of u - alpha p},
 * alpha = <u, p> / <p, p>. The inner codec is given four bytes less, so the body is the same size.
 */
final class PredictedCodec implements Codec {
    private final Codec inner;
    private final NamedTensors prediction;

    /** {@code inner} as given, with four bytes of its budget left for the coefficient. */
    PredictedCodec(Codec inner, NamedTensors prediction) {
        this.inner = inner.withHeaderBytes(4);
        this.prediction = prediction;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public Codec seeded(long sharedSeed) {
        // withHeaderBytes(4) again is a no-op on a codec that already leaves those four bytes
        return new PredictedCodec(inner.seeded(sharedSeed), prediction);
    }

    @Override
    public Codec withReference(NamedTensors globalAdapter) {
        return new PredictedCodec(inner.withReference(globalAdapter), prediction);
    }

    @Override
    public byte[] encode(NamedTensors update) {
        float alpha = 0;
        NamedTensors residual = update;
        if (prediction != null) {
            double up = dot(update, prediction);
            double pp = dot(prediction, prediction);
            alpha = pp > 0 ? (float) (up / pp) : 0;
            residual = update.minus(prediction.scaled(alpha));
        }
        byte[] body = inner.encode(residual);
        return ByteBuffer.allocate(4 + body.length).order(ByteOrder.LITTLE_ENDIAN).putFloat(alpha).put(body).array();
    }

    @Override
    public NamedTensors decode(byte[] body, List<TensorSpec> manifest) {
        if (body.length < 4) {
            throw new PayloadFormatException("predicted codec: no coefficient");
        }
        float alpha = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        NamedTensors r = inner.decode(java.util.Arrays.copyOfRange(body, 4, body.length), manifest);
        return prediction == null || alpha == 0 ? r : r.plus(prediction.scaled(alpha));
    }

    static double dot(NamedTensors a, NamedTensors b) {
        double s = 0;
        for (String name : a.names()) {
            float[] x = a.get(name).data();
            float[] y = b.get(name).data();
            for (int i = 0; i < x.length; i++) {
                s += (double) x[i] * y[i];
            }
        }
        return s;
    }
}
