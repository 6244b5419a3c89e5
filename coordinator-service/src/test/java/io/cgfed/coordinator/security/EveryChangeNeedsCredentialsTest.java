package io.cgfed.coordinator.security;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Every endpoint that is not a plain read, present or added later, refuses a caller without
 * credentials with a 401 problem: the coordinator's own handler mappings are walked, so a new
 * POST/PUT/DELETE is covered the day it is written.
 */
class EveryChangeNeedsCredentialsTest extends CoordinatorApiTestBase {
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    @Test
    void everyPostPutPatchAndDeleteRefusesACallerWithoutCredentials() {
        List<String> checked = new ArrayList<>();
        long experiments = jdbc.queryForObject("SELECT count(*) FROM coordinator.experiments", Long.class);
        long workers = jdbc.queryForObject("SELECT count(*) FROM coordinator.workers", Long.class);
        for (RequestMappingInfo info : mappings.getHandlerMethods().keySet()) {
            if (info.getPathPatternsCondition() == null) {
                continue;
            }
            for (RequestMethod method : info.getMethodsCondition().getMethods()) {
                if (method == RequestMethod.GET || method == RequestMethod.HEAD || method == RequestMethod.OPTIONS) {
                    continue;
                }
                String contentType = info.getConsumesCondition().getConsumableMediaTypes().stream().findFirst()
                        .map(MediaType::toString).orElse("application/json");
                for (String pattern : info.getPathPatternsCondition().getPatternValues()) {
                    String path = pattern.replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
                    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base() + path))
                            .header("Content-Type", contentType)
                            .method(method.name(), BodyPublishers.ofString("{}")));
                    assertThat(r.statusCode()).as("%s %s without credentials: %s", method, pattern, r.body()).isEqualTo(401);
                    assertProblem(r, 401);
                    checked.add(method + " " + pattern);
                }
            }
        }
        assertThat(checked).contains("POST /api/v1/experiments", "POST /api/v1/experiments/{id}/cancel",
                "POST /api/v1/workers", "PUT /api/v1/tasks/{taskId}/update", "POST /api/v1/api-keys",
                "DELETE /api/v1/api-keys/{id}", "POST /api/v1/workers/{workerId}/revoke");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.experiments", Long.class)).isEqualTo(experiments);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.workers", Long.class)).isEqualTo(workers);
    }
}
