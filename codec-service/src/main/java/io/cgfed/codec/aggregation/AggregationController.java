package io.cgfed.codec.aggregation;

import io.cgfed.codec.CodecServiceProperties;
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

/** Decoding endpoints: one payload, or a whole round decoded and aggregated. */
@RestController
@RequestMapping("/api/v1")
public class AggregationController {
    private final RoundAggregation aggregation;
    private final CodecServiceProperties properties;
    private final io.cgfed.codec.versions.CodecVersionService versions;

    AggregationController(RoundAggregation aggregation, CodecServiceProperties properties,
                          io.cgfed.codec.versions.CodecVersionService versions) {
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
                                            @RequestParam(required = false) Long maxClientSamples) {
        if (maxClientSamples != null && maxClientSamples < 1) {
            throw io.cgfed.service.support.ApiException.badRequest("maxClientSamples must be at least 1, got "
                    + maxClientSamples);
        }
        // streamed: the batch is decoded and summed as it arrives, never held whole
        RoundAggregation.Result r = aggregation.aggregate(batch, properties.maxPayloadsPerRound(),
                maxClientSamples == null ? Long.MAX_VALUE : maxClientSamples);
        byte[] body = SafeTensors.write(r.update(), io.cgfed.core.tensor.DType.F32, Map.of(
                "updates", Integer.toString(r.updates()),
                "samples", Long.toString(r.samples())));
        return ResponseEntity.ok()
                .header("Cgfed-Updates", Integer.toString(r.updates()))
                .header("Cgfed-Samples", Long.toString(r.samples()))
                .header("Cgfed-Wire-Bytes", Long.toString(r.wireBytes()))
                .header("Cgfed-Raw-Bytes", Long.toString(r.rawBytes()))
                .body(body);
    }

    /** Body: one update payload; answer: the decoded update as safetensors. */
    @PostMapping(path = "/decode", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE,
            produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public byte[] decode(@RequestBody byte[] payload) {
        return SafeTensors.write(UpdateDecoder.decode(payload, null, versions.layouts(), versions.resolver()).update());
    }
}
