package io.cgfed.coordinator;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.Fp16Codec;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntToDoubleFunction;

/** Builds real CGFU update payloads for the experiments the tests submit (micro-llama, LoRA on q and v). */
public final class Payloads {
    public static final String MODEL = "micro-llama";
    public static final int RANK = 2;
    public static final double ALPHA = 4.0;
    public static final List<String> TARGETS = List.of("q", "v");

    private Payloads() {
    }

    /** The adapter layout of the tests' experiments, zero-filled; {@code rank} differs only to build a wrong one. */
    public static NamedTensors layout(int rank) {
        return LoraAdapter.layout(ModelCatalog.config(MODEL),
                new LoraConfig(rank, ALPHA, TARGETS.stream().map(LoraTarget::parse).toList()));
    }

    /** An update whose i-th value (in manifest order, over all tensors) is {@code value(i)}. */
    public static NamedTensors update(int rank, IntToDoubleFunction value) {
        NamedTensors out = new NamedTensors();
        int[] index = {0};
        layout(rank).forEach((name, t) -> {
            float[] data = new float[t.size()];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) value.applyAsDouble(index[0]++);
            }
            out.put(name, new FloatTensor(t.shape(), data));
        });
        return out;
    }

    public static NamedTensors update(IntToDoubleFunction value) {
        return update(RANK, value);
    }

    /** Raw float32 size of an update of the tests' layout. */
    public static long rawBytes() {
        return 4 * layout(RANK).numel();
    }

    public static byte[] fp16(UUID experimentId, int round, int client, long samples, NamedTensors update, double trainLoss) {
        return encode(new Fp16Codec(), experimentId.toString(), round, client, samples, update, trainLoss);
    }

    public static byte[] encode(Codec codec, String experimentId, int round, int client, long samples, NamedTensors update,
                         double trainLoss) {
        PayloadHeader header = new PayloadHeader(experimentId, round, client, codec.name(), 0, samples,
                TensorSpec.manifestOf(update), Map.of("trainLoss", trainLoss));
        return new UpdatePayload(header, codec.encode(update)).toBytes();
    }
}
