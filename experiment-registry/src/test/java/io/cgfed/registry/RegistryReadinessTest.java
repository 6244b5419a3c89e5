package io.cgfed.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cgfed.testing.SharedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Readiness follows the database: a registry whose database stops taking connections is not ready
 * (liveness stays UP: restarting it would not help), and is ready again once the database is back.
 * The registry has a database of its own here, so that taking it away disturbs no other test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.datasource.hikari.connection-timeout=1000", "spring.datasource.hikari.validation-timeout=500"})
class RegistryReadinessTest {
    private static final String DATABASE = "registry_readiness";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void ownDatabase(DynamicPropertyRegistry r) {
        admin("CREATE DATABASE " + DATABASE, true);
        r.add("spring.datasource.url", () -> SharedPostgres.instance().getJdbcUrl("postgres", DATABASE));
        r.add("spring.datasource.username", () -> "postgres");
        r.add("spring.datasource.password", () -> "");
    }

    /** Runs SQL in the shared instance's maintenance database. */
    private static void admin(String sql, boolean ignoreFailure) {
        try (Connection c = DriverManager.getConnection(SharedPostgres.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            if (!ignoreFailure) {
                throw new IllegalStateException(sql, e);
            }
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode awaitReadiness(int status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> r = get("/actuator/health/readiness");
        while (r.statusCode() != status) {
            if (System.nanoTime() > deadline) {
                fail("readiness never answered " + status + "; last " + r.statusCode() + " " + r.body());
            }
            Thread.sleep(200);
            r = get("/actuator/health/readiness");
        }
        return JSON.readTree(r.body());
    }

    @Test
    void readinessIsDownWhileTheDatabaseRefusesConnectionsAndUpAgainAfter() throws Exception {
        JsonNode ready = awaitReadiness(200);
        assertThat(ready.path("status").asString()).isEqualTo("UP");
        assertThat(ready.at("/components/database/status").asString()).isEqualTo("UP");
        assertThat(get("/actuator/prometheus").body()).contains("jvm_memory_used_bytes");

        try {
            admin("ALTER DATABASE " + DATABASE + " ALLOW_CONNECTIONS false", false);
            admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + DATABASE + "'", false);

            JsonNode down = awaitReadiness(503);
            assertThat(down.path("status").asString()).isEqualTo("DOWN");
            assertThat(down.at("/components/database/status").asString()).isEqualTo("DOWN");
            HttpResponse<String> liveness = get("/actuator/health/liveness");
            assertThat(liveness.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(liveness.body()).path("status").asString()).isEqualTo("UP");
        } finally {
            admin("ALTER DATABASE " + DATABASE + " ALLOW_CONNECTIONS true", false);
        }

        JsonNode back = awaitReadiness(200);
        assertThat(back.path("status").asString()).isEqualTo("UP");
    }
}
