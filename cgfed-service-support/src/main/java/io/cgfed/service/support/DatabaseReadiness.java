package io.cgfed.service.support;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The readiness group's view of the database, answered within {@code cgfed.health.database-timeout}
 * (2 s) whatever the database does: UP when {@code SELECT 1} runs and (where Flyway runs) no migration
 * is pending or failed, DOWN with the reason otherwise. Spring's own {@code db} indicator waits for a
 * connection as long as the pool does (30 s) and a stalled PostgreSQL held readiness that long (issue 15,
 * E: with PostgreSQL stopped for 20 s, readiness hung instead of answering 503). The check runs on one
 * background thread; a check still hanging from an earlier probe is waited on, never doubled, so probes
 * cannot pile up threads; when the database answers again the next probe is UP, with no restart.
 */
public class DatabaseReadiness implements HealthIndicator {
    private final DataSource dataSource;
    private final Flyway flyway;
    private final Duration timeout;
    private final ExecutorService checker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "database-readiness");
        t.setDaemon(true);
        return t;
    });
    private Future<Health> inFlight;

    public DatabaseReadiness(DataSource dataSource, Flyway flyway, Duration timeout) {
        this.dataSource = dataSource;
        this.flyway = flyway;
        this.timeout = timeout;
    }

    @Override
    public Health health() {
        Future<Health> check;
        synchronized (this) {
            if (inFlight == null || inFlight.isDone()) {
                inFlight = checker.submit(this::check);
            }
            check = inFlight;
        }
        try {
            return check.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return Health.down().withDetail("error", "the database did not answer within " + timeout.toMillis() + " ms")
                    .build();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return Health.down().withDetail("error", cause.getClass().getSimpleName() + ": " + cause.getMessage()).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.down().withDetail("error", "interrupted").build();
        }
    }

    private Health check() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
            s.execute("SELECT 1");
        }
        Health.Builder health = Health.up();
        if (flyway != null) {
            MigrationsHealthIndicator.check(flyway, health);
        }
        return health.build();
    }
}
