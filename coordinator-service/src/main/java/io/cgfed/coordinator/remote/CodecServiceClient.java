package io.cgfed.coordinator.remote;

import io.cgfed.coordinator.CoordinatorProperties;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/** Asks the codec-service to decode and aggregate a round's payloads. */
@Component
public class CodecServiceClient {
    private final RestClient http;

    CodecServiceClient(CoordinatorProperties properties) {
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
        factory.setReadTimeout(Duration.ofMinutes(5));
        this.http = RestClient.builder().baseUrl(properties.codecServiceUrl()).requestFactory(factory).build();
    }

    /** The sample-weighted average of the decoded updates. */
    public NamedTensors aggregate(List<byte[]> payloads) {
        byte[] body = http.post().uri("/api/v1/aggregate")
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .accept(MediaType.APPLICATION_OCTET_STREAM)
                .body(PayloadBatch.write(payloads))
                .retrieve()
                .body(byte[].class);
        if (body == null) {
            throw new IllegalStateException("codec-service answered an empty aggregate");
        }
        return SafeTensors.read(body);
    }
}
