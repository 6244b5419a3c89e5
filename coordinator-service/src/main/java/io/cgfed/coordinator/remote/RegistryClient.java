package io.cgfed.coordinator.remote;

import io.cgfed.coordinator.CoordinatorProperties;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.cgfed.service.support.security.SecurityProperties;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

/**
 * Posts experiments and round metrics to the experiment registry. The coordinator's own database
 * stays the source of truth: a registry that is down loses nothing here, it is posted again on
 * the next change of the same experiment. Every call carries the key the registry shares with the
 * coordinator (CGFED_REGISTRY_API_KEY).
 */
@Component
public class RegistryClient {
    private static final Logger log = LoggerFactory.getLogger(RegistryClient.class);
    private final RestClient http;

    RegistryClient(CoordinatorProperties properties, SecurityProperties security) {
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build());
        factory.setReadTimeout(Duration.ofSeconds(10));
        RestClient.Builder b = RestClient.builder().baseUrl(properties.registryUrl()).requestFactory(factory);
        if (security.registryApiKey() != null) {
            b.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + security.registryApiKey());
        } else {
            log.warn("no CGFED_REGISTRY_API_KEY: the registry will refuse this coordinator's records");
        }
        this.http = b.build();
    }

    public boolean experiment(io.cgfed.core.protocol.ExperimentRecord record) {
        return send(() -> http.post().uri("/api/v1/experiments").contentType(MediaType.APPLICATION_JSON)
                .body(record).retrieve().toBodilessEntity(), "experiment " + record.id());
    }

    public boolean round(UUID experimentId, int round, io.cgfed.core.protocol.RoundRecord record) {
        return send(() -> http.put().uri("/api/v1/experiments/{id}/rounds/{round}", experimentId, round)
                .contentType(MediaType.APPLICATION_JSON).body(record).retrieve().toBodilessEntity(),
                "round " + round + " of " + experimentId);
    }

    private static boolean send(Runnable call, String what) {
        try {
            call.run();
            return true;
        } catch (RestClientException e) {
            log.warn("registry did not take {}: {}", what, e.getMessage());
            return false;
        }
    }
}
