package io.cgfed.codec.aggregation;

import io.cgfed.core.aggregation.AggregationRule;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdateDecoder;
import io.cgfed.core.codec.UpdateDecoder.DecodedUpdate;
import io.cgfed.core.tensor.NamedTensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Service;

/**
 * Decodes every payload of a round, checks they belong together (one experiment, one round,
 * distinct clients, one manifest: the layout part that leads the batch, or the first version 1 payload's; a rule
 * that combines against the round's global adapter, lora-svd, reads it from the part after the layout),
 * and combines them by the strategy's rule ({@link AggregationRule}), one payload at a time: the round's batch
 * is read from the request as it arrives and each decoded update goes to the rule's combiner; the mean (FedAvg
 * and the server optimisers) adds it to a running sum and drops it, so memory holds one payload, one decoded
 * update and the sum, not the round; the robust rules (median, trimmed mean, Krum) hold every decoded update
 * of the round until the last has come, which they need. The result
 * exists only once the last payload has been checked: one bad payload fails the request, and
 * nothing is half-applied.
 */
@Service
public class RoundAggregation {
    private final io.cgfed.codec.versions.CodecVersionService versions;

    RoundAggregation(io.cgfed.codec.versions.CodecVersionService versions) {
        this.versions = versions;
    }

    /** A round from a batch stream ({@code CGFB}), read once. */
    public Result aggregate(InputStream batch, int maxPayloads) {
        return aggregate(batch, maxPayloads, Long.MAX_VALUE);
    }

    /**
     * A round from a batch stream, each update weighted by {@code min(samples, maxClientSamples)}: the
     * coordinator's cap on one client's share of the round ({@code WeightCap}), applied as the sum runs.
     */
    public Result aggregate(InputStream batch, int maxPayloads, long maxClientSamples) {
        return aggregate(batch, maxPayloads, maxClientSamples, AggregationRule.MEAN);
    }

    /** As above, the updates combined by {@code rule} (the spec's strategy's) rather than the mean. */
    public Result aggregate(InputStream batch, int maxPayloads, long maxClientSamples, AggregationRule rule) {
        if (maxClientSamples < 1) {
            throw new IllegalArgumentException("maxClientSamples must be at least 1, got " + maxClientSamples);
        }
        Round round = new Round(maxClientSamples, rule);
        try {
            // two more parts than payloads: the layout part that leads a round's batch, and the global adapter's
            PayloadBatch.read(batch, maxPayloads + 2, round::add);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the round's batch", e);
        }
        return round.result();
    }

    /** A round already in memory. */
    public Result aggregate(List<byte[]> payloads) {
        Round round = new Round(Long.MAX_VALUE, AggregationRule.MEAN);
        for (int i = 0; i < payloads.size(); i++) {
            round.add(i, payloads.get(i));
        }
        return round.result();
    }

    private final class Round {
        private final AggregationRule rule;
        /** Started at the first update, once the parts before it (layout, global adapter) have been read. */
        private AggregationRule.Combiner combiner;
        private io.cgfed.core.tensor.NamedTensors global;
        private final long maxClientSamples;
        private int count;
        private final Set<Integer> clients = new HashSet<>();
        private PayloadHeader first;
        private List<TensorSpec> manifest;
        private long samples;
        private long wire;
        private long raw;

        Round(long maxClientSamples, AggregationRule rule) {
            this.maxClientSamples = maxClientSamples;
            this.rule = rule;
        }

        void add(int i, byte[] payload) {
            List<TensorSpec> layout = PayloadBatch.layoutOf(payload);
            if (layout != null) {
                if (i != 0) {
                    throw new PayloadFormatException("part " + i + ": a batch's layout part must come first");
                }
                manifest = layout;
                return;
            }
            io.cgfed.core.tensor.NamedTensors globalPart = PayloadBatch.globalOf(payload);
            if (globalPart != null) {
                if (combiner != null || global != null) {
                    throw new PayloadFormatException("part " + i + ": a batch's global adapter part must come before "
                            + "its payloads, once");
                }
                global = globalPart;
                return;
            }
            if (combiner == null) {
                if (rule.needsGlobal() && global == null) {
                    throw new PayloadFormatException("strategy rule " + rule.name() + " needs the round's global adapter "
                            + "part (CGFG) before the payloads");
                }
                combiner = rule.start(global);
            }
            DecodedUpdate d;
            try {
                // the layout part's layout, else (a learned codec) the layout of the codec version a payload names
                d = UpdateDecoder.decode(payload, manifest, manifest != null ? io.cgfed.core.codec.UpdatePayload.Layouts.of(manifest)
                        : versions.layouts(), versions.resolver());
            } catch (PayloadFormatException e) {
                throw new PayloadFormatException("payload " + i + ": " + e.getMessage());
            }
            PayloadHeader h = d.header();
            if (first == null) {
                first = h;
            } else if (!h.experimentId().equals(first.experimentId()) || h.round() != first.round()) {
                throw new PayloadFormatException("payload " + i + " belongs to another experiment or round");
            }
            if (!clients.add(h.clientIndex())) {
                throw new PayloadFormatException("payload " + i + " repeats client " + h.clientIndex());
            }
            manifest = h.manifest();
            try {
                samples = Math.addExact(samples, h.samples());
            } catch (ArithmeticException e) {
                throw new PayloadFormatException("the round's sample counts overflow");
            }
            try {
                combiner.add(h.clientIndex(), d.update(), Math.min(h.samples(), maxClientSamples));
            } catch (IllegalArgumentException e) {
                throw new PayloadFormatException("payload " + i + ": " + e.getMessage());
            }
            count++;
            wire += d.wireBytes();
            raw += d.rawBytes();
        }

        Result result() {
            if (count == 0) {
                throw new PayloadFormatException("the batch holds no update payload");
            }
            AggregationRule.Combined c = combiner.result();
            return new Result(c.update(), c.updates(), samples, wire, raw, c.diagnostics());
        }
    }

    /** The aggregated update, what went into it, and what the rule did (for Krum: the chosen clients). */
    public record Result(NamedTensors update, int updates, long samples, long wireBytes, long rawBytes,
                         java.util.Map<String, Object> diagnostics) {
    }
}
