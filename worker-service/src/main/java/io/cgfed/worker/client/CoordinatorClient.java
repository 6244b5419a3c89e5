package io.cgfed.worker.client;

import io.cgfed.core.protocol.EvaluationReport;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.protocol.WorkerRegistration;
import io.cgfed.worker.WorkerProperties;
import java.net.http.HttpClient;
import java.time.Duration;
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
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * The worker's side of the coordinator's REST API. Registration shows the join token and brings back
 * this worker's own credential, which every later call (downloads included) sends with the worker's
 * id; it lives in memory only, so a restarted worker registers again.
 *
 * <p>What a task sends back (its update, attachments, evaluation report or failure) is retried while
 * the coordinator cannot be reached or answers 5xx (it is restarting, or its database is away): with
 * exponential backoff and jitter ({@code cgfed.worker.retry-delay}, doubling to at most 10 s) for as
 * long as the coordinator would still take it, the experiment's round deadline. The coordinator takes
 * each of these once: the same bytes again are answered as a duplicate, so a retry after a lost answer
 * never counts twice. A 4xx is the coordinator's verdict and is not retried.
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
                .body(new WorkerRegistration.Request(properties.name(), properties.device(), properties.memoryBudgetBytes()))
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

    /**
     * The next task. The worker polls only between tasks, so it says it is idle: a task the coordinator
     * still counts as this worker's was lost in transit (the coordinator died after handing it out) and
     * comes back.
     */
    public Optional<TaskMessage> nextTask(UUID workerId) {
        ResponseEntity<TaskMessage> r = http.get()
                .uri("/api/v1/workers/{id}/tasks/next?waitSeconds={w}&idle=true", workerId, properties.pollWait().toSeconds())
                .headers(as(workerId))
                .retrieve().toEntity(TaskMessage.class);
        return r.getStatusCode().value() == 204 ? Optional.empty() : Optional.ofNullable(r.getBody());
    }

    public byte[] adapter(UUID experimentId, int version) {
        return http.get().uri("/api/v1/experiments/{id}/adapters/{v}", experimentId, version).headers(asSelf())
                .accept(MediaType.APPLICATION_OCTET_STREAM).retrieve().body(byte[].class);
    }

    /** An adapter version for a task, retried for up to {@code patience} while the coordinator is away. */
    public byte[] adapter(UUID experimentId, int version, Duration patience) {
        return retrying("download of adapter version " + version, patience, () -> adapter(experimentId, version));
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

    /** Sends a TRAIN task's update, retrying for up to {@code patience} while the coordinator is away. */
    public void upload(UUID workerId, UUID taskId, byte[] payload, Duration patience) {
        deliver("update of task " + taskId, patience, () -> http.put().uri("/api/v1/tasks/{id}/update", taskId)
                .headers(as(workerId)).contentType(MediaType.APPLICATION_OCTET_STREAM).body(payload).retrieve()
                .toBodilessEntity());
    }

    /** What a task sends besides its update: {@code collection}, {@code contribution} or {@code audit}. */
    public void attachment(UUID workerId, UUID taskId, String kind, byte[] body, Duration patience) {
        deliver(kind + " of task " + taskId, patience, () -> http.put().uri("/api/v1/tasks/{id}/{kind}", taskId, kind)
                .headers(as(workerId)).contentType(MediaType.APPLICATION_OCTET_STREAM).body(body).retrieve()
                .toBodilessEntity());
    }

    /** What a secure aggregation stage task needs (its round's configuration and the stage's input). */
    public io.cgfed.core.secagg.Messages.StageInput secaggInput(UUID workerId, UUID taskId, Duration patience) {
        return retrying("secure aggregation input of task " + taskId, patience, () -> http.get()
                .uri("/api/v1/tasks/{id}/secagg", taskId).headers(as(workerId)).accept(MediaType.APPLICATION_JSON)
                .retrieve().body(io.cgfed.core.secagg.Messages.StageInput.class));
    }

    /** A secure aggregation stage's delivery (its bytes, docs/wire-format.md). Completes the task. */
    public void secaggDeliver(UUID workerId, UUID taskId, byte[] body, Duration patience) {
        deliver("secure aggregation message of task " + taskId, patience, () -> http.put()
                .uri("/api/v1/tasks/{id}/secagg", taskId).headers(as(workerId))
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(body)
                .retrieve().toBodilessEntity());
    }

    /** A learned codec version's model file (safetensors), through the coordinator, retried as {@link #adapter}. */
    public byte[] codecModel(UUID experimentId, int version, Duration patience) {
        return retrying("download of codec version " + version, patience, () -> http.get()
                .uri("/api/v1/experiments/{id}/codec-versions/{v}/encoder", experimentId, version)
                .headers(asSelf()).accept(MediaType.APPLICATION_OCTET_STREAM).retrieve().body(byte[].class));
    }

    public void evaluation(UUID workerId, UUID taskId, EvaluationReport report, Duration patience) {
        deliver("evaluation of task " + taskId, patience, () -> http.post().uri("/api/v1/tasks/{id}/evaluation", taskId)
                .headers(as(workerId)).contentType(MediaType.APPLICATION_JSON).body(report).retrieve()
                .toBodilessEntity());
    }

    public void failure(UUID workerId, UUID taskId, String reason, Duration patience) {
        deliver("failure report of task " + taskId, patience, () -> http.post().uri("/api/v1/tasks/{id}/failure", taskId)
                .headers(as(workerId)).contentType(MediaType.APPLICATION_JSON).body(new io.cgfed.core.protocol.Receipts.Failure(reason))
                .retrieve().toBodilessEntity());
    }

    /**
     * Runs {@code call} until it succeeds, a 4xx answers it, or {@code patience} has passed, retrying
     * connection failures and 5xx answers with backoff (Spring's {@link RetryTemplate}); the last failure
     * is thrown as it came.
     */
    void deliver(String what, Duration patience, Runnable call) {
        retrying(what, patience, () -> {
            call.run();
            return null;
        });
    }

    /** {@link #deliver} for a call with an answer. */
    <T> T retrying(String what, Duration patience, java.util.function.Supplier<T> call) {
        Duration delay = properties.retryDelay();
        RetryPolicy policy = RetryPolicy.builder()
                .predicate(CoordinatorClient::transientFailure)
                .maxRetries(Long.MAX_VALUE)
                .timeout(patience.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : patience)
                .delay(delay)
                .multiplier(2)
                .maxDelay(Duration.ofSeconds(10).compareTo(delay) > 0 ? Duration.ofSeconds(10) : delay)
                .jitter(delay.dividedBy(2))
                .build();
        RetryTemplate retry = new RetryTemplate(policy);
        retry.setRetryListener(new org.springframework.core.retry.RetryListener() {
            @Override
            public void beforeRetry(RetryPolicy p, org.springframework.core.retry.Retryable<?> r) {
                log.info("{} not delivered yet, retrying (the coordinator is unreachable or answered 5xx)", what);
            }
        });
        try {
            return retry.execute(call::get);
        } catch (RetryException e) {
            Throwable last = e.getLastException() != null ? e.getLastException() : e.getCause();
            if (last instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(what + " not delivered", last);
        }
    }

    /**
     * Worth another try: the coordinator unreachable, a 5xx, or an answer cut off mid-body (a coordinator
     * killed while it streamed an adapter: Spring reports it as a failure to extract the response, with the
     * I/O error as its cause; before, that failed the task instead of waiting for the coordinator).
     */
    static boolean transientFailure(Throwable t) {
        if (t instanceof ResourceAccessException || t instanceof HttpServerErrorException) {
            return true;
        }
        if (t instanceof org.springframework.web.client.RestClientResponseException) {
            return false; // a complete answer with a status: 4xx are final
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.io.IOException) {
                return t instanceof org.springframework.web.client.RestClientException;
            }
        }
        return false;
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
