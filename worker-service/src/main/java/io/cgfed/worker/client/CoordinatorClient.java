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
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/** The worker's side of the coordinator's REST API. */
@Component
public class CoordinatorClient {
    public static final String WORKER_HEADER = "Cgfed-Worker-Id";
    private final RestClient http;
    private final WorkerProperties properties;

    CoordinatorClient(WorkerProperties properties) {
        this.properties = properties;
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
        factory.setReadTimeout(properties.pollWait().plusSeconds(30));
        this.http = RestClient.builder().baseUrl(properties.coordinatorUrl()).requestFactory(factory).build();
    }

    public WorkerRegistration.Response register() {
        return http.post().uri("/api/v1/workers").contentType(MediaType.APPLICATION_JSON)
                .body(new WorkerRegistration.Request(properties.name(), properties.device()))
                .retrieve().body(WorkerRegistration.Response.class);
    }

    /** Tells the coordinator this worker is alive while a task runs; 404 when it does not know the worker. */
    public void heartbeat(UUID workerId) {
        http.put().uri("/api/v1/workers/{id}/heartbeat", workerId).retrieve().toBodilessEntity();
    }

    public Optional<TaskMessage> nextTask(UUID workerId) {
        ResponseEntity<TaskMessage> r = http.get()
                .uri("/api/v1/workers/{id}/tasks/next?waitSeconds={w}", workerId, properties.pollWait().toSeconds())
                .retrieve().toEntity(TaskMessage.class);
        return r.getStatusCode().value() == 204 ? Optional.empty() : Optional.ofNullable(r.getBody());
    }

    public byte[] adapter(UUID experimentId, int version) {
        return http.get().uri("/api/v1/experiments/{id}/adapters/{v}", experimentId, version)
                .accept(MediaType.APPLICATION_OCTET_STREAM).retrieve().body(byte[].class);
    }

    /** An experiment as the coordinator shows it (its spec and adapter versions among the fields). */
    public tools.jackson.databind.JsonNode experiment(UUID experimentId) {
        return http.get().uri("/api/v1/experiments/{id}", experimentId).retrieve().body(tools.jackson.databind.JsonNode.class);
    }

    public void upload(UUID workerId, UUID taskId, byte[] payload) {
        http.put().uri("/api/v1/tasks/{id}/update", taskId).header(WORKER_HEADER, workerId.toString())
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(payload).retrieve().toBodilessEntity();
    }

    /** What a task sends besides its update: {@code collection}, {@code contribution} or {@code audit}. */
    public void attachment(UUID workerId, UUID taskId, String kind, byte[] body) {
        http.put().uri("/api/v1/tasks/{id}/{kind}", taskId, kind).header(WORKER_HEADER, workerId.toString())
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(body).retrieve().toBodilessEntity();
    }

    /** A learned codec version's model file (safetensors), through the coordinator. */
    public byte[] codecModel(UUID experimentId, int version) {
        return http.get().uri("/api/v1/experiments/{id}/codec-versions/{v}/encoder", experimentId, version)
                .accept(MediaType.APPLICATION_OCTET_STREAM).retrieve().body(byte[].class);
    }

    public void evaluation(UUID workerId, UUID taskId, EvaluationReport report) {
        http.post().uri("/api/v1/tasks/{id}/evaluation", taskId).header(WORKER_HEADER, workerId.toString())
                .contentType(MediaType.APPLICATION_JSON).body(report).retrieve().toBodilessEntity();
    }

    public void failure(UUID workerId, UUID taskId, String reason) {
        http.post().uri("/api/v1/tasks/{id}/failure", taskId).header(WORKER_HEADER, workerId.toString())
                .contentType(MediaType.APPLICATION_JSON).body(Map.of("reason", reason)).retrieve().toBodilessEntity();
    }
}
