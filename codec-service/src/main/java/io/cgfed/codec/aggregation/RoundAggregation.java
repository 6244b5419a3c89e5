package io.cgfed.codec.aggregation;

import io.cgfed.core.aggregation.Aggregator;
import io.cgfed.core.aggregation.FedAvg;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.codec.TensorSpec;
import io.cgfed.core.codec.UpdateDecoder;
import io.cgfed.core.codec.UpdateDecoder.DecodedUpdate;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Service;

/**
 * Decodes every payload of a round, checks they belong together (one experiment, one round,
 * distinct clients, one manifest), and aggregates them. All payloads are decoded before anything
 * is aggregated: one bad payload fails the request, and nothing is half-applied.
 */
@Service
public class RoundAggregation {
    private final Aggregator aggregator = new FedAvg();
    private final io.cgfed.codec.versions.CodecVersionService versions;

    RoundAggregation(io.cgfed.codec.versions.CodecVersionService versions) {
        this.versions = versions;
    }

    public Result aggregate(List<byte[]> payloads) {
        List<DecodedUpdate> decoded = new ArrayList<>(payloads.size());
        Set<Integer> clients = new HashSet<>();
        List<TensorSpec> manifest = null;
        for (int i = 0; i < payloads.size(); i++) {
            DecodedUpdate d;
            try {
                d = UpdateDecoder.decode(payloads.get(i), manifest, versions.resolver());
            } catch (PayloadFormatException e) {
                throw new PayloadFormatException("payload " + i + ": " + e.getMessage());
            }
            DecodedUpdate first = decoded.isEmpty() ? d : decoded.get(0);
            if (!d.header().experimentId().equals(first.header().experimentId())
                    || d.header().round() != first.header().round()) {
                throw new PayloadFormatException("payload " + i + " belongs to another experiment or round");
            }
            if (!clients.add(d.header().clientIndex())) {
                throw new PayloadFormatException("payload " + i + " repeats client " + d.header().clientIndex());
            }
            manifest = d.header().manifest();
            decoded.add(d);
        }
        List<Aggregator.WeightedUpdate> weighted = decoded.stream()
                .map(d -> new Aggregator.WeightedUpdate(d.update(), d.header().samples()))
                .toList();
        long samples = 0;
        for (DecodedUpdate d : decoded) {
            try {
                samples = Math.addExact(samples, d.header().samples());
            } catch (ArithmeticException e) {
                throw new PayloadFormatException("the round's sample counts overflow");
            }
        }
        long wire = decoded.stream().mapToLong(DecodedUpdate::wireBytes).sum();
        long raw = decoded.stream().mapToLong(DecodedUpdate::rawBytes).sum();
        return new Result(aggregator.aggregate(weighted), decoded.size(), samples, wire, raw);
    }

    /** The aggregated update and what went into it. */
    public record Result(NamedTensors update, int updates, long samples, long wireBytes, long rawBytes) {
    }
}
