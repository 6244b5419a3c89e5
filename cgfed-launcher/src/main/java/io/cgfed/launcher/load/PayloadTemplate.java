package io.cgfed.launcher.load;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A simulated client's update: the LoRA layout of a model (every tensor, real shapes), random values of
 * the size a trained adapter update has, encoded once by a real codec. Each upload is a real CGFU
 * payload ({@link UpdatePayload}) with its own header (experiment, round, client) around that body, so
 * the coordinator parses, checks, CRCs and decodes it exactly as a worker's.
 */
public final class PayloadTemplate {
    private static final Map<String, Double> METRICS = Map.of("trainLoss", 1.0, "trainMs", 0.0, "encodeMs", 0.0);
    private final String codec;
    private final int rank;
    private final List<TensorSpec> manifest;
    private final byte[] body;
    private final long rawBytes;

    private PayloadTemplate(String codec, int rank, List<TensorSpec> manifest, byte[] body, long rawBytes) {
        this.codec = codec;
        this.rank = rank;
        this.manifest = manifest;
        this.body = body;
        this.rawBytes = rawBytes;
    }

    public static PayloadTemplate build(LlamaConfig model, int rank, List<String> targets, String codecName,
                                        Map<String, Object> settings, long seed) {
        LoraConfig lora = loraConfig(rank, targets);
        NamedTensors update = new NamedTensors();
        SplittableRandom random = new SplittableRandom(seed);
        LoraAdapter.shapes(model, lora).forEach((name, shape) -> {
            float[] values = new float[(int) FloatTensor.numel(shape)];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((random.nextDouble() * 2 - 1) * 1e-3);
            }
            update.put(name, new FloatTensor(shape, values));
        });
        Codec codec = Codecs.create(codecName, settings);
        List<TensorSpec> manifest = TensorSpec.manifestOf(update);
        return new PayloadTemplate(codec.name(), rank, manifest, codec.encode(update),
                4 * TensorSpec.totalNumel(manifest));
    }

    static LoraConfig loraConfig(int rank, List<String> targets) {
        return new LoraConfig(rank, 2.0 * rank, targets.stream().map(LoraTarget::parse).toList());
    }

    /**
     * The rank whose payload comes closest to {@code targetBytes}: payload size is affine in the rank
     * (every tensor has the rank as one dimension), so two small encodings give the line.
     */
    public static int rankFor(long targetBytes, LlamaConfig model, List<String> targets, String codecName,
                              Map<String, Object> settings) {
        long one = build(model, 1, targets, codecName, settings, 1).sampleBytes();
        long two = build(model, 2, targets, codecName, settings, 1).sampleBytes();
        return rankFor(targetBytes, one, two);
    }

    /** The rank r >= 1 minimising |one + (r - 1)(two - one) - target|. */
    static int rankFor(long targetBytes, long bytesAtRank1, long bytesAtRank2) {
        long slope = Math.max(1, bytesAtRank2 - bytesAtRank1);
        long r = 1 + Math.round((double) (targetBytes - bytesAtRank1) / slope);
        return (int) Math.max(1, Math.min(4096, r));
    }

    /** One client's payload for one round. */
    public byte[] payload(String experimentId, int round, int client, long samples) {
        return new UpdatePayload(new PayloadHeader(experimentId, round, client, codec, 0, samples, manifest, METRICS), body)
                .toBytes();
    }

    /** The size of a payload (a UUID experiment id; the header's digits vary by a few bytes between clients). */
    public long sampleBytes() {
        return payload("00000000-0000-0000-0000-000000000000", 1, 0, 1).length;
    }

    public String codec() {
        return codec;
    }

    public int rank() {
        return rank;
    }

    public int tensors() {
        return manifest.size();
    }

    public long values() {
        return rawBytes / 4;
    }

    public long rawBytes() {
        return rawBytes;
    }

    public int bodyBytes() {
        return body.length;
    }
}
