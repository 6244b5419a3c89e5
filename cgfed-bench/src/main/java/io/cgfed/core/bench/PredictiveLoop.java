package io.cgfed.core.bench;

import io.cgfed.core.aggregation.Aggregator;
import io.cgfed.core.aggregation.FedAvg;
import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** rotq on what the global update of the loop's previous round does not predict; that update learnt after each round. */
final class PredictiveLoop implements CompressedRounds.LoopCodec {
    private final Federation fed;
    private final Map<String, Object> settings;
    private NamedTensors last;

    /** The predicted rotq variants of a budget, by label: rotq at the budget on what the last global update does not predict. */
    static Map<String, Map<String, Object>> variants(int budget) {
        Map<String, Map<String, Object>> p = new LinkedHashMap<>();
        p.put("rotq 1/" + budget + " predicted", Map.of("compression", budget));
        p.put("rotq 1/" + budget + " entropy predicted", Map.of("compression", budget, "quantiser", "entropy"));
        p.put("rotq 1/" + 4 * budget + " entropy predicted", Map.of("compression", 4 * budget, "quantiser", "entropy"));
        return p;
    }

    PredictiveLoop(Federation fed, Map<String, Object> settings, NamedTensors first) {
        this.fed = fed;
        this.settings = settings;
        this.last = first;
    }

    @Override
    public Codec codec(int round, int client) {
        return new PredictedCodec(Codecs.create("rotq", settings), last);
    }

    @Override
    public long afterRound(List<NamedTensors> intended, List<NamedTensors> decoded) {
        List<Aggregator.WeightedUpdate> w = new ArrayList<>();
        for (int c = 0; c < decoded.size(); c++) {
            w.add(new Aggregator.WeightedUpdate(decoded.get(c), fed.samples(c)));
        }
        last = new FedAvg().aggregate(w); // what the server applied: both sides know it
        return 0;
    }
}
