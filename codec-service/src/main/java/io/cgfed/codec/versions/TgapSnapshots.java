package io.cgfed.codec.versions;

import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.codec.UpdateDecoder;
import io.cgfed.core.codec.cgae.CgaeTraining;
import io.cgfed.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What TGAP trains on, read from its request: a CGFB batch of uncompressed CGFU payloads, one per
 * snapshot (client index in the header, collection step in metric {@code step}), every one of them
 * decoded and checked to belong to the experiment.
 */
final class TgapSnapshots {
    private TgapSnapshots() {
    }

    /** The training samples, in the batch's order; a payload that does not decode or belong fails them all. */
    static List<CgaeTraining.Sample> parse(UUID experimentId, byte[] snapshots, int maxPayloads) {
        List<byte[]> payloads = PayloadBatch.read(snapshots, maxPayloads);
        if (payloads.isEmpty()) {
            throw new PayloadFormatException("TGAP needs at least one update snapshot");
        }
        List<CgaeTraining.Sample> samples = new ArrayList<>();
        List<TensorSpec> manifest = null;
        for (int i = 0; i < payloads.size(); i++) {
            UpdateDecoder.DecodedUpdate d;
            try {
                d = UpdateDecoder.decode(payloads.get(i), manifest);
            } catch (PayloadFormatException e) {
                throw new PayloadFormatException("snapshot " + i + ": " + e.getMessage());
            }
            if (!d.header().experimentId().equals(experimentId.toString())) {
                throw new PayloadFormatException("snapshot " + i + " belongs to experiment " + d.header().experimentId());
            }
            manifest = d.header().manifest();
            Double step = d.header().metrics().get("step");
            samples.add(new CgaeTraining.Sample(d.header().clientIndex(), step == null ? i : step.intValue(), d.update()));
        }
        return samples;
    }
}
