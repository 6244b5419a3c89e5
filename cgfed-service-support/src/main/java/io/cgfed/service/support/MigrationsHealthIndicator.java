package io.cgfed.service.support;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * UP when the service's schema is at the latest migration it ships: the database answers and no
 * migration is pending or failed. Part of the readiness group, so that a service whose database
 * is unreachable or behind takes no traffic.
 */
public class MigrationsHealthIndicator extends AbstractHealthIndicator {
    private final Flyway flyway;

    public MigrationsHealthIndicator(Flyway flyway) {
        super("migrations not checked");
        this.flyway = flyway;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        check(flyway, builder);
    }

    /** UP or DOWN on {@code builder} by the migrations' state, with the schemas, current version and pending count. */
    static void check(Flyway flyway, Health.Builder builder) {
        MigrationInfoService info = flyway.info();
        MigrationInfo current = info.current();
        int pending = info.pending().length;
        boolean failed = false;
        for (MigrationInfo m : info.all()) {
            failed |= m.getState().isFailed();
        }
        builder.withDetail("schemas", String.join(",", flyway.getConfiguration().getSchemas()))
                .withDetail("current", current == null ? "none" : current.getVersion().toString())
                .withDetail("pending", pending);
        if (pending > 0 || failed) {
            builder.down().withDetail("failed", failed);
        } else {
            builder.up();
        }
    }
}
