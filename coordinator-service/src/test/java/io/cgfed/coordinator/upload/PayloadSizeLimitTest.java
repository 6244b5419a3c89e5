package io.cgfed.coordinator.upload;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PayloadSizeLimitTest {

    /** The settings that make each codec's body largest. */
    private static final Map<String, Map<String, Object>> LARGEST = Map.of("topk", Map.of("fraction", 1.0),
            "int8", Map.of("blockSize", 1), "rotq", Map.of("bits", 4));

    @Test
    void theLargestBodyOfEveryCodecFitsTheUploadLimit() {
        NamedTensors update = LoraAdapter.initialise(ModelCatalog.config("tiny-llama"),
                new LoraConfig(8, 16, List.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V, LoraTarget.O)), 1);
        List<TensorSpec> manifest = TensorSpec.manifestOf(update);
        long limit = UploadService.maxPayloadBytes(manifest);
        for (String name : Codecs.names()) {
            // topk keeping every value is the largest body a codec can write
            // the learned codec at its lowest compression (16), trained on this very update
            byte[] body = Codecs.learned(name)
                    ? new io.cgfed.core.codec.cgae.CgaeCodec(io.cgfed.core.codec.cgae.CgaeTraining.train(
                            io.cgfed.core.codec.cgae.CgaeSettings.of(Map.of("compression", 16, "tile", 8)),
                            List.of(new io.cgfed.core.codec.cgae.CgaeTraining.Sample(0, 0, update)),
                            io.cgfed.core.codec.cgae.TrainingProgress.NONE).model()).encode(update)
                    : Codecs.create(name, LARGEST.getOrDefault(name, Map.of())).encode(update);
            byte[] payload = new UpdatePayload(new PayloadHeader("e", 1, 0, name, 0, 1, manifest,
                    Map.of("trainLoss", 1.0, "cosine", 1.0, "snrDb", 99.0)), body).toBytes();
            assertThat((long) payload.length).as(name).isLessThanOrEqualTo(limit);
        }
    }
}
