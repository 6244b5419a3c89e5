package io.cgfed.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The coordinator documents itself: /v3/api-docs (OpenAPI 3) and Swagger UI, read without any
 * credentials (they lie outside /api, which access control guards) while /api reads still check
 * what is sent.
 */
class OpenApiDocumentTest extends CoordinatorApiTestBase {

    @Test
    void servesItsOpenApiDocumentAndSwaggerUiWithoutCredentials() {
        HttpResponse<String> doc = send(HttpRequest.newBuilder(URI.create(base() + "/v3/api-docs")).GET());
        assertThat(doc.statusCode()).as(doc.body()).isEqualTo(200);
        JsonNode api = json(doc);
        assertThat(api.path("openapi").asString()).startsWith("3.");
        assertThat(api.at("/info/title").asString()).isEqualTo("cgfed coordinator");
        JsonNode paths = api.path("paths");
        assertThat(paths.at("/~1api~1v1~1experiments/post").isObject()).as(paths.toString()).isTrue();
        assertThat(paths.at("/~1api~1v1~1experiments~1{id}/get").isObject()).isTrue();
        assertThat(paths.at("/~1api~1v1~1tasks~1{taskId}~1update/put").isObject()).isTrue();
        assertThat(paths.has("/api/v1/experiments/{experimentId}/codec-versions/{version}/encoder")).isTrue();

        HttpResponse<String> ui = send(HttpRequest.newBuilder(URI.create(base() + "/swagger-ui/index.html")).GET());
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(ui.body()).containsIgnoringCase("swagger");

        // a wrong key on an /api read is still refused: the documents are open, the API is not loosened
        assertProblem(send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/experiments"))
                .header("Authorization", "Bearer not-a-key").GET()), 401);
    }
}
