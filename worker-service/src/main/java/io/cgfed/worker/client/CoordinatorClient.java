package io.cgfed.worker.client;

import io.cgfed.core.protocol.EvaluationReport;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.protocol.WorkerRegistration;
import io.cgfed.worker.WorkerProperties;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * The worker's side of the coordinator's REST API. Registration shows the join token and brings back
 * this worker's own credential, which every later call (downloads included) sends with the worker's
 * id; it lives in memory only, so a restarted worker registers again.
 */
@Component
public class CoordinatorClient {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorClient.class);
    public static final String WORKER_HEADER = "Cgfed-Worker-Id";
    private final RestClient http;
    private final WorkerProperties properties;
    private volatile Identity identity;

    private record Identity(UUID workerId, String credential) {
        @Override
        public String toString() {
            return "Identity[" + workerId + "]";
        }
    }

    CoordinatorClient(WorkerProperties properties) {
        this.properties = properties;
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
        factory.setReadTimeout(properties.pollWait().plusSeconds(30));
        this.http = RestClient.builder().baseUrl(properties.coordinatorUrl()).requestFactory(factory).build();
        if (properties.joinToken() == null) {
            log.warn("no join token (CGFED_JOIN_TOKEN): the coordinator will refuse to register this worker");
        }
    }

    public WorkerRegistration.Response register() {
        WorkerRegistration.Response r = http.post().uri("/api/v1/workers").contentType(MediaType.APPLICATION_JSON)
                .headers(h -> {
                    if (properties.joinToken() != null) {
                        h.setBearerAuth(properties.joinToken());
                    }
                })
                .body(new WorkerRegistration.Request(properties.name(), properties.device()))
                .retrieve().body(WorkerRegistration.Response.class);
        if (r == null || r.workerId() == null || r.credential() == null) {
            throw new IllegalStateException("the coordinator's registration answer holds no worker id or credential");
        }
        identity = new Identity(r.workerId(), r.credential());
        return r;
    }

    /** Tells the coordinator this worker is alive while a task runs; 404 when it does not know the worker. */
    public void heartbeat(UUID workerId) {
        http.put().uri("/api/v1/workers/{id}/heartbeat", workerId).headers(as(workerId)).retrieve().toBodilessEntity();
    }

    public Optional<TaskMessage> nextTask(UUID workerId) {
        ResponseEntity<TaskMessage> r = http.get()
                .uri("/api/v1/workers/{id}/tasks/next?waitSeconds={w}", workerId, properties.pollWait().toSeconds())
                .headers(as(workerId))
                .retrieve().toEntity(TaskMessage.class);
        return r.getStatusCode().value() == 204 ? Optional.empty() : Optional.ofNullable(r.getBody());
    }

    public byte[] adapter(UUID experimentId, int version) {
        return http.get().uri("/api/v1/experiments/{id}/adapters/{v}", experimentId, version).headers(asSelf())
                .accept(MediaType.APPLICATION_OCTET_STREAM).retrieve().body(byte[].class);
    }

    /**
     * Whether {@code authorization} (a caller's {@code Authorization} header, passed on as it came) is a
     * valid USER or ADMIN API key at the coordinator: the key's name when it is, else the coordinator's
     * status (401 unknown or revoked, 403 a READER key).
     */
    public KeyCheck checkUserKey(String authorization) {
        ResponseEntity<tools.jackson.databind.JsonNode> r = http.get().uri("/api/v1/api-keys/self")
                .header(org.springframework.http.HttpHeaders.AUTHORIZATION, authorization)
                .retrieve().onStatus(s -> s.value() == 401 || s.value() == 403, (req, res) -> { })
                .toEntity(tools.jackson.databind.JsonNode.class);
        int status = r.getStatusCode().value();
        return new KeyCheck(status, status == 200 && r.getBody() != null ? r.getBody().path("name").asString() : null);
    }

    /** The coordinator's answer about a user's key: 200 and the key's name, or 401 / 403. */
    public record KeyCheck(int status, String name) {
        public boolean valid() {
            return status == 200;
        }
    }

    /** An experiment as the coordinator shows it (its spec and adapter versions among the fields). */
    public tools.jackson.databind.JsonNode experiment(UUID experimentId) {
        return http.get().uri("/api/v1/experiments/{id}", experimentId).headers(asSelf())
                .retrieve().body(tools.jackson.databind.JsonNode.class);
    }

    public void upload(UUID workerId, UUID taskId, byte[] payload) {
        http.put().uri("/api/v1/tasks/{id}/update", taskId).headers(as(workerId))
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(payload).retrieve().toBodilessEntity();
    }

    /** What a task sends besides its update: {@code collection}, {@code contribution} or {@code audit}. */
    public void attachment(UUID workerId, UUID taskId, String kind, byte[] body) {
        http.put().uri("/api/v1/tasks/{id}/{kind}", taskId, kind).headers(as(workerId))
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(body).retrieve().toBodilessEntity();
    }

    /** A learned codec version's model file (safetensors), through the coordinator. */
    public byte[] codecModel(UUID experimentId, int version) {
        return http.get().uri("/api/v1/experiments/{id}/codec-versions/{v}/encoder", experimentId, version)
                .headers(asSelf()).accept(MediaType.APPLICATION_OCTET_STREAM).retrieve().body(byte[].class);
    }

    public void evaluation(UUID workerId, UUID taskId, EvaluationReport report) {
        http.post().uri("/api/v1/tasks/{id}/evaluation", taskId).headers(as(workerId))
                .contentType(MediaType.APPLICATION_JSON).body(report).retrieve().toBodilessEntity();
    }

    public void failure(UUID workerId, UUID taskId, String reason) {
        http.post().uri("/api/v1/tasks/{id}/failure", taskId).headers(as(workerId))
                .contentType(MediaType.APPLICATION_JSON).body(Map.of("reason", reason)).retrieve().toBodilessEntity();
    }

    /** This worker's id and credential; nothing before it registered (the coordinator answers 401). */
    private Consumer<HttpHeaders> as(UUID workerId) {
        Identity self = identity;
        return h -> {
            h.set(WORKER_HEADER, workerId.toString());
            if (self != null) {
                h.setBearerAuth(self.credential());
            }
        };
    }

    /** Downloads: as this worker once registered (needed where the coordinator's reads are closed). */
    private Consumer<HttpHeaders> asSelf() {
        Identity self = identity;
        return self == null ? h -> { } : as(self.workerId());
    }
}
