package io.cgfed.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Where reads need a key (cgfed.security.open-reads=false) the dashboard's pages and its chart
 * library are still served without one (the pages then ask for a key), and so are the OpenAPI document
 * and Swagger UI; the data is not.
 */
@TestPropertySource(properties = "cgfed.security.open-reads=false")
class DashboardClosedReadsTest extends RegistryHttpTestSupport {

    @Test
    void pagesAndWebjarsNeedNoKeyWhileTheDataDoes() throws Exception {
        for (String page : List.of("/", "/index.html", "/experiment.html", "/compare.html", "/dashboard.js",
                "/dashboard.css", "/webjars/chart.js/4.4.1/dist/chart.umd.js", "/v3/api-docs", "/swagger-ui/index.html")) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + page))
                    .header("Accept", "text/html,*/*;q=0.8").GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(page).isEqualTo(200);
        }
        problem(send("GET", "/api/v1/experiments", null), 401);
        assertThat(send("GET", "/api/v1/experiments", null, "Bearer " + ADMIN_KEY).statusCode()).isEqualTo(200);
    }
}
