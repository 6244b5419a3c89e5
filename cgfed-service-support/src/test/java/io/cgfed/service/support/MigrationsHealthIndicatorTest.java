package io.cgfed.service.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.testing.SharedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** Readiness needs the schema at its latest migration, in a database that answers (real PostgreSQL). */
class MigrationsHealthIndicatorTest {

    private static Flyway flyway(String url, String schema) {
        return Flyway.configure()
                .dataSource(url, "postgres", "")
                .schemas(schema)
                .defaultSchema(schema)
                .createSchemas(true)
                .locations("classpath:db/health-check")
                .connectRetries(0)
                .load();
    }

    @Test
    void downWhileMigrationsArePendingAndUpOnceTheyRan() {
        Flyway flyway = flyway(SharedPostgres.jdbcUrl(), "health_check_" + System.nanoTime());
        MigrationsHealthIndicator indicator = new MigrationsHealthIndicator(flyway);

        Health before = indicator.health(true);
        assertThat(before.getStatus()).isEqualTo(Status.DOWN);
        assertThat(before.getDetails()).containsEntry("pending", 2).containsEntry("current", "none");

        flyway.migrate();

        Health after = indicator.health(true);
        assertThat(after.getStatus()).isEqualTo(Status.UP);
        assertThat(after.getDetails()).containsEntry("pending", 0).containsEntry("current", "2");
    }

    @Test
    void downWhenTheDatabaseCannotBeReached() {
        // nothing listens on port 1
        MigrationsHealthIndicator indicator = new MigrationsHealthIndicator(
                flyway("jdbc:postgresql://127.0.0.1:1/postgres?connectTimeout=2", "unreachable"));

        Health health = indicator.health(true);

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsKey("error");
    }
}
