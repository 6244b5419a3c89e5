package io.cgfed.coordinator.round;

import io.cgfed.coordinator.attachment.AttachmentKind;
import io.cgfed.coordinator.attachment.AttachmentRepository;
import io.cgfed.coordinator.blob.BlobStore;
import io.cgfed.coordinator.remote.CodecServiceClient;
import io.cgfed.coordinator.upload.Upload;
import io.cgfed.core.aggregation.Aggregator;
import io.cgfed.core.aggregation.FedAvg;
import io.cgfed.core.codec.DeltaWQuality;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.codec.ReconstructionQuality;
import io.cgfed.core.codec.UpdateDecoder;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Audit mode ({@code codec.audit}): how well the aggregate of the round's reconstructions matches the
 * aggregate of the raw updates the clients attached, as one cosine. Runs outside any transaction, beside the
 * aggregation it checks.
 */
@Component
class AggregationAudit {
    private static final Logger log = LoggerFactory.getLogger(AggregationAudit.class);
    private final AttachmentRepository attachments;
    private final BlobStore blobs;
    private final CodecServiceClient codecService;

    AggregationAudit(AttachmentRepository attachments, BlobStore blobs, CodecServiceClient codecService) {
        this.attachments = attachments;
        this.blobs = blobs;
        this.codecService = codecService;
    }

    /**
     * Audit mode: how well the aggregate of the reconstructions matches the aggregate of the raw updates
     * (cosine, in the factors' space), and how well the weight change the round applied matches the exact
     * mean of the clients' weight changes ({@code deltaWCosine}, {@link DeltaWQuality#ofAggregate}).
     */
    record Audit(double cosine, int updates, double deltaWCosine) {
    }

    /**
     * @param previous the round's global adapter; {@code next} the adapter the round's step makes of it;
     *                 {@code scale} the LoRA scale (alpha / r)
     */
    Audit audit(UUID experimentId, int roundNo, List<TensorSpec> layout, List<Upload> received,
                List<PayloadBatch.Part> payloads, NamedTensors aggregate, long maxClientSamples,
                NamedTensors previous, NamedTensors next, double scale) {
        Map<Integer, byte[]> raw = new HashMap<>();
        for (var a : attachments.findByExperimentIdAndRoundAndKindOrderByClientIndex(experimentId, roundNo,
                AttachmentKind.AUDIT)) {
            raw.put(a.getClientIndex(), blobs.get(a.getBlobKey()));
        }
        List<Aggregator.WeightedUpdate> rawUpdates = new ArrayList<>();
        List<PayloadBatch.Part> encoded = new ArrayList<>();
        for (int i = 0; i < received.size(); i++) {
            byte[] r = raw.get(received.get(i).getClientIndex());
            if (r != null) {
                rawUpdates.add(new Aggregator.WeightedUpdate(UpdateDecoder.decode(r, layout).update(),
                        Math.min(received.get(i).getSamples(), maxClientSamples)));
                encoded.add(payloads.get(i));
            }
        }
        if (rawUpdates.isEmpty()) {
            return null;
        }
        // aggregate: the round's mean when the strategy's rule is the mean (null otherwise: asked for here)
        NamedTensors reconstructed = aggregate != null && encoded.size() == payloads.size() ? aggregate
                : codecService.aggregateParts(layout, encoded, maxClientSamples);
        double cosine = ReconstructionQuality.of(new FedAvg().aggregate(rawUpdates), reconstructed).cosine();
        double deltaW = DeltaWQuality.ofAggregate(previous, rawUpdates.stream().map(Aggregator.WeightedUpdate::update).toList(),
                rawUpdates.stream().mapToDouble(Aggregator.WeightedUpdate::weight).toArray(), next, scale,
                DeltaWQuality.DEFAULT_ROWS).cosine();
        log.info("experiment {} round {}: audit over {} updates, aggregate cosine {}, weight-change cosine {}", experimentId,
                roundNo, rawUpdates.size(), String.format(Locale.ROOT, "%.4f", cosine), String.format(Locale.ROOT, "%.4f", deltaW));
        return new Audit(cosine, rawUpdates.size(), deltaW);
    }
}
