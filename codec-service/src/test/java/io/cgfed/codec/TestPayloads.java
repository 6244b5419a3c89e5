package io.cgfed.codec;

import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.codec.TensorSpec;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.Map;
import java.util.Random;

/** Real update payloads for the codec-service tests, built with the same core classes the workers use. */
final class TestPayloads {
    static final String EXPERIMENT = "6f1c1f7e-2b1d-4a57-9d1e-0c4c2f3b9a11";

    private TestPayloads() {
    }

    /** A LoRA-shaped update (two factors per projection) with seeded values in [-1, 1). */
    static NamedTensors update(long seed) {
        Random r = new Random(seed);
        NamedTensors t = new NamedTensors();
        t.put("layers.0.attn.q_proj.lora_A", tensor(r, 2, 8));
        t.put("layers.0.attn.q_proj.lora_B", tensor(r, 8, 2));
        t.put("layers.0.attn.v_proj.lora_A", tensor(r, 2, 8));
        t.put("layers.0.attn.v_proj.lora_B", tensor(r, 8, 2));
        return t;
    }

    static FloatTensor tensor(Random r, int... shape) {
        float[] d = new float[(int) FloatTensor.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextFloat() * 2f - 1f;
        }
        return new FloatTensor(shape, d);
    }

    static byte[] payload(String codec, int round, int client, long samples, NamedTensors update) {
        return payload(EXPERIMENT, codec, round, client, samples, update);
    }

    static byte[] payload(String experiment, String codec, int round, int client, long samples, NamedTensors update) {
        byte[] body = Codecs.create(codec, null).encode(update);
        PayloadHeader header = new PayloadHeader(experiment, round, client, codec, 1, samples,
                TensorSpec.manifestOf(update), Map.of("trainLoss", 1.25));
        return new UpdatePayload(header, body).toBytes();
    }
}
