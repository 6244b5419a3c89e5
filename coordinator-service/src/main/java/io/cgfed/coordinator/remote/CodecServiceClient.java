package io.cgfed.coordinator.remote;

import io.cgfed.core.protocol.CodecVersionView;

import io.cgfed.coordinator.CoordinatorProperties;
import io.cgfed.coordinator.metrics.CoordinatorMetrics;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.service.support.security.SecurityProperties;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The coordinator's calls to the codec-service: decode and aggregate a round, check one learned
 * payload, start TGAP, follow codec versions, fetch a version's model file, and adapt a version (FAF).
 */
@Component
public class CodecServiceClient {
    private static final Logger log = LoggerFactory.getLogger(CodecServiceClient.class);
    private static final ParameterizedTypeReference<List<CodecVersionView>> LIST = new ParameterizedTypeReference<>() {
    };
    private final RestClient http;
    private final ObjectMapper json;
    private final CoordinatorMetrics metrics;

    CodecServiceClient(CoordinatorProperties properties, SecurityProperties security, ObjectMapper json,
                       CoordinatorMetrics metrics) {
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
        factory.setReadTimeout(properties.codecServiceTimeout());
        RestClient.Builder b = RestClient.builder().baseUrl(properties.codecServiceUrl()).requestFactory(factory);
        if (security.codecApiKey() != null) {
            b.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + security.codecApiKey());
        } else {
            log.warn("no CGFED_CODEC_API_KEY: the codec-service will refuse this coordinator's calls");
        }
        this.http = b.build();
        this.json = json;
        this.metrics = metrics;
    }

    /**
     * One call, counted in {@code cgfed.codec.calls.failed} when it fails (unreachable, timed out, an
     * error status, a body that does not parse); a payload the codec-service refuses is no failure.
     */
    private <T> T call(String operation, Supplier<T> call) {
        try {
            return call.get();
        } catch (PayloadFormatException refused) {
            throw refused;
        } catch (RuntimeException e) {
            metrics.codecCallFailed(operation);
            throw e;
        }
    }

    /**
     * The sample-weighted average of the decoded updates. The batch is streamed in small writes: built
     * whole it was a second copy of the round (116 MiB for 500 uploads of 237 KiB), and the JDK client
     * copied that one write into a third, which ran the heap out at round close. Now each payload is
     * read from where it is (a blob file) only while it is written out: the round is never in memory
     * here, and the codec-service sums it as it arrives.
     */
    public NamedTensors aggregateParts(List<io.cgfed.core.tensor.TensorSpec> layout,
                                       List<? extends PayloadBatch.Part> payloads) {
        return aggregateParts(layout, payloads, Long.MAX_VALUE);
    }

    /** As {@link #aggregateParts(List, List)}, each update weighted by at most {@code maxClientSamples}. */
    public NamedTensors aggregateParts(List<io.cgfed.core.tensor.TensorSpec> layout,
                                       List<? extends PayloadBatch.Part> payloads, long maxClientSamples) {
        return combine(layout, payloads, maxClientSamples, ExperimentSpec.Aggregation.FEDAVG).update();
    }

    /** A round's combined update, and what the strategy's rule did (a JSON object; "{}" when the answer said nothing). */
    public record Combined(NamedTensors update, String diagnostics) {
    }

    /**
     * The round's updates combined by the strategy's rule at the codec-service (the mean for FedAvg and the
     * server optimisers; median, trimmed mean or Krum), each weighted by at most {@code maxClientSamples}.
     */
    public Combined combine(List<io.cgfed.core.tensor.TensorSpec> layout, List<? extends PayloadBatch.Part> payloads,
                            long maxClientSamples, ExperimentSpec.Aggregation strategy) {
        return combine(layout, null, payloads, maxClientSamples, strategy);
    }

    /**
     * As above; {@code global} (the round's global adapter) goes with the batch when the strategy's rule combines
     * against it (lora-svd), and is not sent otherwise.
     */
    public Combined combine(List<io.cgfed.core.tensor.TensorSpec> layout, NamedTensors global,
                            List<? extends PayloadBatch.Part> payloads, long maxClientSamples,
                            ExperimentSpec.Aggregation strategy) {
        // the layout goes first: version 2 payloads name it by digest only
        List<PayloadBatch.Part> parts = new java.util.ArrayList<>(payloads.size() + 2);
        parts.add(PayloadBatch.part(PayloadBatch.layoutPart(layout)));
        if (io.cgfed.core.aggregation.Strategies.create(strategy.name(), strategy.settings()).rule().needsGlobal()) {
            if (global == null) {
                throw new IllegalArgumentException("strategy " + strategy.name() + " needs the round's global adapter");
            }
            parts.add(PayloadBatch.part(PayloadBatch.globalPart(global)));
        }
        parts.addAll(payloads);
        String settings = json.writeValueAsString(strategy.settings());
        return call("aggregate", () -> {
            org.springframework.http.ResponseEntity<byte[]> answer = http.post()
                    .uri(b -> {
                        b.path("/api/v1/aggregate");
                        if (maxClientSamples != Long.MAX_VALUE) {
                            b.queryParam("maxClientSamples", maxClientSamples);
                        }
                        if (!strategy.equals(ExperimentSpec.Aggregation.FEDAVG)) {
                            b.queryParam("strategy", "{strategy}").queryParam("strategySettings", "{settings}");
                        }
                        return b.build(Map.of("strategy", strategy.name(), "settings", settings));
                    })
                    .contentType(MediaType.APPLICATION_OCTET_STREAM)
                    .contentLength(PayloadBatch.sizeOfParts(parts))
                    .accept(MediaType.APPLICATION_OCTET_STREAM)
                    .body(out -> PayloadBatch.writeParts(parts, out))
                    .retrieve()
                    .toEntity(byte[].class);
            byte[] body = answer.getBody();
            if (body == null) {
                throw new IllegalStateException("codec-service answered an empty aggregate");
            }
            String diagnostics = answer.getHeaders().getFirst("Cgfed-Aggregation-Diagnostics");
            return new Combined(SafeTensors.read(body), diagnostics == null ? "{}" : diagnostics);
        });
    }

    /**
     * Decodes one payload of a learned codec, which only the codec-service can.
     *
     * @throws PayloadFormatException with the codec-service's reason when it refuses the payload
     */
    public NamedTensors decode(byte[] payload) {
        return call("decode", () -> {
            try {
                byte[] body = http.post().uri("/api/v1/decode")
                        .contentType(MediaType.APPLICATION_OCTET_STREAM)
                        .accept(MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_PROBLEM_JSON)
                        .body(payload)
                        .retrieve()
                        .body(byte[].class);
                return SafeTensors.read(body);
            } catch (HttpClientErrorException refused) {
                throw new PayloadFormatException(detail(refused));
            }
        });
    }

    /** Starts TGAP training of version 1 on a collection of snapshot payloads; the version as the codec-service shows it. */
    public CodecVersionView startTgap(UUID experimentId, String codec, Map<String, Object> settings, List<byte[]> snapshots) {
        LinkedMultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        HttpHeaders jsonPart = new HttpHeaders();
        jsonPart.setContentType(MediaType.APPLICATION_JSON);
        parts.add("spec", new HttpEntity<>(json.writeValueAsString(new CodecVersionView.TgapRequest(codec, settings)), jsonPart));
        HttpHeaders binary = new HttpHeaders();
        binary.setContentType(MediaType.APPLICATION_OCTET_STREAM);
        parts.add("snapshots", new HttpEntity<>(new ByteArrayResource(PayloadBatch.write(snapshots)) {
            @Override
            public String getFilename() {
                return "snapshots.cgfb";
            }
        }, binary));
        return call("tgap", () -> http.post().uri("/api/v1/experiments/{id}/codec-versions", experimentId)
                .contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve().body(CodecVersionView.class));
    }

    /** A codec version, or null when the codec-service has none by that number. */
    public CodecVersionView version(UUID experimentId, int version) {
        return call("version", () -> {
            try {
                return http.get().uri("/api/v1/experiments/{id}/codec-versions/{v}", experimentId, version).retrieve()
                        .body(CodecVersionView.class);
            } catch (HttpClientErrorException.NotFound none) {
                return null;
            }
        });
    }

    public List<CodecVersionView> versions(UUID experimentId) {
        return call("versions", () -> http.get().uri("/api/v1/experiments/{id}/codec-versions", experimentId).retrieve()
                .body(LIST));
    }

    /** A READY version's model file (safetensors). */
    public byte[] modelFile(UUID experimentId, int version) {
        return call("model", () -> http.get().uri("/api/v1/experiments/{id}/codec-versions/{v}/encoder", experimentId,
                version).accept(MediaType.APPLICATION_OCTET_STREAM).retrieve().body(byte[].class));
    }

    /** FAF: the version adapted from {@code version} with these contributions (safetensors files). */
    public CodecVersionView adapt(UUID experimentId, int version, List<byte[]> contributions) {
        return call("adapt", () -> http.post().uri("/api/v1/experiments/{id}/codec-versions/{v}/contributions",
                        experimentId, version)
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(PayloadBatch.write(contributions))
                .retrieve().body(CodecVersionView.class));
    }

    /** FAF from the server's side: the version refitted from {@code version} on a round's decoded payloads. */
    public CodecVersionView refit(UUID experimentId, int version, List<? extends PayloadBatch.Part> payloads) {
        return call("adapt", () -> http.post().uri("/api/v1/experiments/{id}/codec-versions/{v}/refit",
                        experimentId, version)
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .contentLength(PayloadBatch.sizeOfParts(payloads))
                .body(out -> PayloadBatch.writeParts(payloads, out))
                .retrieve().body(CodecVersionView.class));
    }

    private String detail(HttpClientErrorException e) {
        try {
            JsonNode problem = json.readTree(e.getResponseBodyAsString(StandardCharsets.UTF_8));
            String d = problem.path("detail").asString("");
            if (!d.isBlank()) {
                return d;
            }
        } catch (RuntimeException notJson) {
            // fall through to the status line
        }
        return "codec-service refused the payload: " + e.getStatusCode();
    }
}
