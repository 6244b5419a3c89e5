package io.cgfed.codec;

import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.Map;
import java.util.Random;

/** Real update payloads for the codec-service tests, built with the same core classes the workers use. */
public final class TestPayloads {
    public static final String EXPERIMENT = "6f1c1f7e-2b1d-4a57-9d1e-0c4c2f3b9a11";

    private TestPayloads() {
    }

    /** A LoRA-shaped update (two factors per projection) with seeded values in [-1, 1). */
    public static NamedTensors update(long seed) {
        Random r = new Random(seed);
        NamedTensors t = new NamedTensors();
        t.put("layers.0.attn.q_proj.lora_A", tensor(r, 2, 8));
        t.put("layers.0.attn.q_proj.lora_B", tensor(r, 8, 2));
        t.put("layers.0.attn.v_proj.lora_A", tensor(r, 2, 8));
        t.put("layers.0.attn.v_proj.lora_B", tensor(r, 8, 2));
        return t;
    }

    public static FloatTensor tensor(Random r, int... shape) {
        float[] d = new float[(int) FloatTensor.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextFloat() * 2f - 1f;
        }
        return new FloatTensor(shape, d);
    }

    public static byte[] payload(String codec, int round, int client, long samples, NamedTensors update) {
        return payload(EXPERIMENT, codec, round, client, samples, update);
    }

    /** A payload in wire format 1, which carries its manifest (the aggregation tests need no layout part). */
    public static byte[] payload(String experiment, String codec, int round, int client, long samples, NamedTensors update) {
        return new UpdatePayload(header(experiment, codec, round, client, samples, update),
                Codecs.create(codec, null).encode(update)).toBytesV1();
    }

    /** A payload in wire format 2, as workers send them: the layout named by digest only. */
    public static byte[] payloadV2(String codec, int round, int client, long samples, NamedTensors update) {
        PayloadHeader h = header(EXPERIMENT, codec, round, client, samples, update);
        // rotq at 4 bits: these updates have 64 values, too few for half a bit to hold its header and scale
        Map<String, Object> settings = codec.equals("rotq") ? Map.of("bits", 4) : Map.of();
        return new UpdatePayload(h, Codecs.create(codec, settings).seeded(io.cgfed.core.codec.UpdateDecoder.sharedSeed(h))
                .encode(update)).toBytes();
    }

    /** A round's batch as the coordinator sends it: the layout part, then the payloads. */
    public static byte[] batchV2(NamedTensors layout, java.util.List<byte[]> payloads) {
        java.util.List<byte[]> parts = new java.util.ArrayList<>();
        parts.add(io.cgfed.core.codec.PayloadBatch.layoutPart(TensorSpec.manifestOf(layout)));
        parts.addAll(payloads);
        return io.cgfed.core.codec.PayloadBatch.write(parts);
    }

    private static PayloadHeader header(String experiment, String codec, int round, int client, long samples,
                                        NamedTensors update) {
        return new PayloadHeader(experiment, round, client, codec, 1, samples, TensorSpec.manifestOf(update),
                Map.of("trainLoss", 1.25));
    }
}
