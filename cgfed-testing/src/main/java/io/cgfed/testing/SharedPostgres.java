package io.cgfed.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * One real PostgreSQL per test JVM (embedded binaries from Maven, no Docker), started on first
 * use and stopped when the JVM exits. Each test class may take its own database in it.
 */
public final class SharedPostgres {
    private static EmbeddedPostgres postgres;

    private SharedPostgres() {
    }

    public static synchronized EmbeddedPostgres instance() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded PostgreSQL did not start", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the JVM is going away
                }
            }));
        }
        return postgres;
    }

    public static String jdbcUrl() {
        return instance().getJdbcUrl("postgres", "postgres");
    }

    /** Points Spring's datasource at the shared instance. */
    public static void register(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", SharedPostgres::jdbcUrl);
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
    }
}
