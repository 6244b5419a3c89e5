package io.cgfed.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Requests the web framework refuses before any handler runs. */
class ErrorFormatTest extends CoordinatorApiTestBase {

    @Test
    void requestsRefusedByTheFrameworkGetTheRightStatus() {
        assertStatus(malformedIdInPath(), 400);
        assertStatus(uploadWithoutWorkerHeader(), 401);
        assertStatus(uploadAsJson(), 415);
        assertStatus(unsupportedMethod(), 405);
    }

    @Test
    void requestsRefusedByTheFrameworkAreProblemsToo() {
        for (HttpResponse<String> r : List.of(malformedIdInPath(), uploadWithoutWorkerHeader(), uploadAsJson(),
                unsupportedMethod())) {
            assertThat(r.headers().firstValue("Content-Type")).as("%s %s", r.request().method(), r.request().uri())
                    .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
            assertProblem(r, r.statusCode());
        }
    }

    private HttpResponse<String> malformedIdInPath() {
        return get("/api/v1/experiments/not-a-uuid");
    }

    private HttpResponse<String> uploadWithoutWorkerHeader() {
        return send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + UUID.randomUUID() + "/update"))
                .header("Content-Type", "application/octet-stream")
                .PUT(BodyPublishers.ofByteArray(new byte[] {1, 2, 3})));
    }

    private HttpResponse<String> uploadAsJson() {
        return send(asWorker(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + UUID.randomUUID() + "/update"))
                .header("Content-Type", "application/json")
                .PUT(BodyPublishers.ofString("{}")), registerWorker("json-uploader")));
    }

    private HttpResponse<String> unsupportedMethod() {
        return send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/experiments")).DELETE());
    }
}
