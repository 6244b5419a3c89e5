package io.cgfed.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Health probes (readiness with the database and the migrations) and Prometheus metrics of the codec-service. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CodecServiceOperationsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @org.springframework.test.context.DynamicPropertySource
    static void database(org.springframework.test.context.DynamicPropertyRegistry registry) {
        TestAccess.register(registry);
    }

    @LocalServerPort
    int port;

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readinessIncludesTheDatabaseAndTheMigrations() throws Exception {
        HttpResponse<String> r = get("/actuator/health/readiness");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode readiness = JSON.readTree(r.body());
        assertThat(readiness.path("status").asString()).isEqualTo("UP");
        assertThat(readiness.at("/components/database/status").asString()).isEqualTo("UP");
        assertThat(JSON.readTree(get("/actuator/health/liveness").body()).path("status").asString()).isEqualTo("UP");
    }

    @Test
    void prometheusCountsRequests() throws Exception {
        assertThat(get("/api/v1/codecs").statusCode()).isEqualTo(200);

        String metrics = get("/actuator/prometheus").body();

        assertThat(metrics).contains("http_server_requests_seconds_count{").contains("uri=\"/api/v1/codecs\"")
                .contains("jvm_memory_used_bytes");
    }

    @Test
    void servesItsOpenApiDocumentAndSwaggerUi() throws Exception {
        HttpResponse<String> doc = get("/v3/api-docs");
        assertThat(doc.statusCode()).as(doc.body()).isEqualTo(200);
        JsonNode api = JSON.readTree(doc.body());
        assertThat(api.path("openapi").asString()).startsWith("3.");
        assertThat(api.at("/info/title").asString()).isEqualTo("cgfed codec-service");
        assertThat(api.path("paths").has("/api/v1/aggregate")).isTrue();
        assertThat(api.at("/paths/~1api~1v1~1aggregate/post").isObject()).isTrue();
        assertThat(api.path("paths").has("/api/v1/experiments/{experimentId}/codec-versions/{version}")).isTrue();
        HttpResponse<String> ui = get("/swagger-ui/index.html");
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(ui.body()).containsIgnoringCase("swagger");
    }
}
