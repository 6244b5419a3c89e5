package io.cgfed.service.support.security;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;

/**
 * The service's API keys, in its own schema's {@code api_keys} table: name, role, the SHA-256 of the
 * key (never the key), and when it was revoked. Keys from the environment are hashed in at start; keys
 * made through the API are shown once, when they are created. No cache: a revoked key is refused by
 * the next request, on every replica.
 */
public class ApiKeyStore {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyStore.class);
    static final String KEY_PREFIX = "cgfed_";
    private final JdbcClient jdbc;

    public ApiKeyStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A key as stored: everything but the secret. */
    public record ApiKey(UUID id, String name, ApiKeyRole role, String origin, Instant createdAt, String createdBy,
                         Instant revokedAt) {
        public boolean revoked() {
            return revokedAt != null;
        }
    }

    /** A new key and, this once, its secret. */
    public record Created(ApiKey apiKey, String key) {
    }

    /** The key with this secret, revoked or not. */
    public Optional<ApiKey> find(String key) {
        return jdbc.sql("SELECT * FROM api_keys WHERE key_sha256 = :hash").param("hash", Secrets.sha256(key))
                .query(ApiKeyStore::row).optional();
    }

    public Optional<ApiKey> find(UUID id) {
        return jdbc.sql("SELECT * FROM api_keys WHERE id = :id").param("id", id).query(ApiKeyStore::row).optional();
    }

    public List<ApiKey> list() {
        return jdbc.sql("SELECT * FROM api_keys ORDER BY created_at, name").query(ApiKeyStore::row).list();
    }

    @Transactional
    public Created create(String name, ApiKeyRole role, String createdBy) {
        String key = Secrets.generate(KEY_PREFIX);
        UUID id = UUID.randomUUID();
        insert(id, name, role, "API", Secrets.sha256(key), createdBy);
        return new Created(find(id).orElseThrow(), key);
    }

    /** Revokes the key (a second time changes nothing); empty when there is no such key. */
    @Transactional
    public Optional<ApiKey> revoke(UUID id) {
        jdbc.sql("UPDATE api_keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL")
                .param("now", Timestamp.from(Instant.now())).param("id", id).update();
        return find(id);
    }

    /**
     * Makes the key in an environment variable the one valid key of that name: a new value replaces
     * (revokes) the old one, an unset variable revokes it. A key of that value revoked through the API
     * stays revoked. Safe when several replicas start at once.
     */
    @Transactional
    public void bootstrap(BootstrapKey k) {
        String hash = k.key() == null ? null : Secrets.sha256(k.key());
        int replaced = jdbc.sql("""
                UPDATE api_keys SET revoked_at = :now
                WHERE origin = 'ENVIRONMENT' AND name = :name AND revoked_at IS NULL AND key_sha256 <> :hash
                """)
                .param("now", Timestamp.from(Instant.now())).param("name", k.name())
                .param("hash", hash == null ? "" : hash).update();
        if (replaced > 0) {
            log.info("revoked the earlier key from {} ({})", k.name(), k.key() == null ? "now unset" : "replaced");
        }
        if (k.key() == null) {
            return;
        }
        jdbc.sql("""
                INSERT INTO api_keys (id, name, role, origin, key_sha256, created_at, created_by)
                VALUES (:id, :name, :role, 'ENVIRONMENT', :hash, :now, 'environment')
                ON CONFLICT (key_sha256) DO NOTHING
                """)
                .param("id", UUID.randomUUID()).param("name", k.name()).param("role", k.role().name())
                .param("hash", hash).param("now", Timestamp.from(Instant.now())).update();
        ApiKey stored = jdbc.sql("SELECT * FROM api_keys WHERE key_sha256 = :hash").param("hash", hash)
                .query(ApiKeyStore::row).single();
        if (stored.revoked()) {
            log.warn("the key in {} was revoked on {}: it opens nothing; set a new one", k.name(), stored.revokedAt());
        } else if (stored.role() != k.role()) {
            log.warn("the key in {} is stored with role {}, not {}: keys are never reused across roles", k.name(),
                    stored.role(), k.role());
        } else {
            log.info("key from {} active (id {}, role {})", k.name(), stored.id(), stored.role());
        }
    }

    /** Whether any key with role ADMIN can be used. */
    public boolean anyActiveAdmin() {
        return jdbc.sql("SELECT count(*) FROM api_keys WHERE role = 'ADMIN' AND revoked_at IS NULL")
                .query(Long.class).single() > 0;
    }

    private void insert(UUID id, String name, ApiKeyRole role, String origin, String hash, String createdBy) {
        jdbc.sql("""
                INSERT INTO api_keys (id, name, role, origin, key_sha256, created_at, created_by)
                VALUES (:id, :name, :role, :origin, :hash, :now, :by)
                """)
                .param("id", id).param("name", name).param("role", role.name()).param("origin", origin)
                .param("hash", hash).param("now", Timestamp.from(Instant.now())).param("by", createdBy).update();
    }

    private static ApiKey row(ResultSet rs, int n) throws SQLException {
        Timestamp revoked = rs.getTimestamp("revoked_at");
        return new ApiKey(rs.getObject("id", UUID.class), rs.getString("name"), ApiKeyRole.valueOf(rs.getString("role")),
                rs.getString("origin"), rs.getTimestamp("created_at").toInstant(), rs.getString("created_by"),
                revoked == null ? null : revoked.toInstant());
    }
}
