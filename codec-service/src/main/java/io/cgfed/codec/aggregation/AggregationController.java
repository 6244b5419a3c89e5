package io.cgfed.codec.aggregation;

import io.cgfed.codec.CodecServiceProperties;
import io.cgfed.core.aggregation.AggregationRule;
import io.cgfed.core.aggregation.Strategies;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.codec.UpdateDecoder;
import io.cgfed.core.tensor.SafeTensors;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.ObjectMapper;

/** Decoding endpoints: one payload, or a whole round decoded and aggregated. */
@RestController
@RequestMapping("/api/v1")
public class AggregationController {
    private final RoundAggregation aggregation;
    private final CodecServiceProperties properties;
    private final io.cgfed.codec.versions.CodecVersionService versions;

    private final ObjectMapper json;

    AggregationController(RoundAggregation aggregation, CodecServiceProperties properties,
                          io.cgfed.codec.versions.CodecVersionService versions, ObjectMapper json) {
        this.json = json;
        this.aggregation = aggregation;
        this.properties = properties;
        this.versions = versions;
    }

    /**
     * Body: a payload batch ({@code CGFB}), read as a stream; answer: the sample-weighted average update as
     * safetensors. {@code maxClientSamples} caps each update's weight (the coordinator's weight cap).
     */
    @PostMapping(path = "/aggregate", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE,
            produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<byte[]> aggregate(java.io.InputStream batch,
                                            @RequestParam(required = false) Long maxClientSamples,
                                            @RequestParam(required = false) String strategy,
                                            @RequestParam(required = false) String strategySettings) {
        if (maxClientSamples != null && maxClientSamples < 1) {
            throw io.cgfed.service.support.ApiException.badRequest("maxClientSamples must be at least 1, got "
                    + maxClientSamples);
        }
        AggregationRule rule = rule(strategy, strategySettings);
        // streamed: the batch is decoded and combined as it arrives, never held whole (the robust rules hold
        // the decoded updates: they need all of them)
        RoundAggregation.Result r = aggregation.aggregate(batch, properties.maxPayloadsPerRound(),
                maxClientSamples == null ? Long.MAX_VALUE : maxClientSamples, rule);
        byte[] body = SafeTensors.write(r.update(), io.cgfed.core.tensor.DType.F32, Map.of(
                "updates", Integer.toString(r.updates()),
                "samples", Long.toString(r.samples())));
        return ResponseEntity.ok()
                .header("Cgfed-Updates", Integer.toString(r.updates()))
                .header("Cgfed-Samples", Long.toString(r.samples()))
                .header("Cgfed-Wire-Bytes", Long.toString(r.wireBytes()))
                .header("Cgfed-Raw-Bytes", Long.toString(r.rawBytes()))
                .header("Cgfed-Aggregation-Diagnostics", json.writeValueAsString(r.diagnostics()))
                .body(body);
    }

    /** The rule of the named strategy (fedavg when none), its settings a JSON object; a bad one is a 400. */
    private AggregationRule rule(String strategy, String settingsJson) {
        try {
            Map<String, Object> settings = settingsJson == null || settingsJson.isBlank() ? Map.of()
                    : json.readValue(settingsJson, new tools.jackson.core.type.TypeReference<Map<String, Object>>() {
                    });
            return Strategies.create(strategy, settings).rule();
        } catch (IllegalArgumentException | tools.jackson.core.JacksonException e) {
            throw io.cgfed.service.support.ApiException.badRequest("strategy: " + e.getMessage());
        }
    }

    /** Body: one update payload; answer: the decoded update as safetensors. */
    @PostMapping(path = "/decode", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE,
            produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public byte[] decode(@RequestBody byte[] payload) {
        return SafeTensors.write(UpdateDecoder.decode(payload, null, versions.layouts(), versions.resolver()).update());
    }
}
