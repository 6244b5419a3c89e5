package io.cgfed.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.service.support.security.Secrets;
import io.cgfed.testing.SharedPostgres;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A coordinator stops in seconds: closing its context (what SIGTERM does) does not wait out the scheduler's
 * pause. It waited 30 s before, in production as in every test JVM's exit, longer than Kubernetes' default
 * grace period, so a rolling update killed the coordinator instead of stopping it.
 */
class ShutdownTimeTest {
    @Test
    void aRunningCoordinatorClosesWithinAFewSeconds() throws Exception {
        Path blobs = Files.createTempDirectory("cgfed-shutdown-");
        // a database of its own: the shared one's keys and experiments belong to the other tests' coordinator
        // (a second coordinator with other secrets would revoke their admin key)
        try (Connection c = DriverManager.getConnection(SharedPostgres.jdbcUrl(), "postgres", "");
             Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS shutdown_test");
            st.execute("CREATE DATABASE shutdown_test");
        }
        ConfigurableApplicationContext context = new SpringApplicationBuilder(CoordinatorApplication.class)
                // command-line arguments: they outrank application.yml (default properties would not)
                .run("--server.port=0", "--server.address=127.0.0.1",
                        "--spring.datasource.url=" + SharedPostgres.instance().getJdbcUrl("postgres", "shutdown_test"), "--spring.datasource.username=postgres",
                        "--spring.datasource.password=",
                        "--cgfed.coordinator.blob-dir=" + blobs,
                        "--cgfed.coordinator.codec-service-url=http://127.0.0.1:9", "--cgfed.coordinator.registry-url=http://127.0.0.1:9",
                        "--cgfed.coordinator.tick=100ms",
                        "--cgfed.security.admin-api-key=" + Secrets.generate("cgfed_"),
                        "--cgfed.security.join-token=" + Secrets.generate("cgfj_"));
        Thread.sleep(500);
        long start = System.nanoTime();
        // closing stops the lifecycle beans first (the scheduler pauses, the web server drains its requests,
        // which takes a while when requests are in flight), then destroys the beans; a tick that comes due
        // in between waits in the paused scheduler
        context.stop();
        Thread.sleep(300);
        context.close();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("ShutdownTimeTest: closed in %.1f s%n", seconds);
        assertThat(seconds).as("seconds to close a running coordinator").isLessThan(10);
    }
}
