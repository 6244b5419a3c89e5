package io.cgfed.coordinator.secagg;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The server's state of each securely aggregated round, in PostgreSQL ({@code secagg_messages}, V11): every message
 * a client sent, by stage, as it sent it; the round's unmasked aggregate under stage {@code RESULT}, client -1.
 * {@link SecAggRounds#server} replays it into a {@code SecAggServer}, so nothing of the protocol's server side lives
 * in memory between calls and a restarted coordinator goes on where it stopped.
 */
@Component
public class SecAggStore {
    static final String RESULT = "RESULT";
    private final JdbcTemplate jdbc;

    SecAggStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The body already stored for this client and stage, or null. */
    byte[] find(UUID experimentId, int round, String stage, int client) {
        List<byte[]> found = jdbc.query("SELECT body FROM secagg_messages WHERE experiment_id = ? AND round = ? AND stage = ? "
                + "AND client_index = ?", (rs, i) -> rs.getBytes(1), experimentId, round, stage, client);
        return found.isEmpty() ? null : found.get(0);
    }

    void save(UUID experimentId, int round, String stage, int client, byte[] body) {
        jdbc.update("INSERT INTO secagg_messages (experiment_id, round, stage, client_index, body, created_at) "
                + "VALUES (?, ?, ?, ?, ?, ?)", experimentId, round, stage, client, body, java.sql.Timestamp.from(Instant.now()));
    }

    /** A stage's messages by client, in client order. */
    Map<Integer, byte[]> messages(UUID experimentId, int round, String stage) {
        Map<Integer, byte[]> out = new LinkedHashMap<>();
        jdbc.query("SELECT client_index, body FROM secagg_messages WHERE experiment_id = ? AND round = ? AND stage = ? "
                + "ORDER BY client_index", rs -> {
                    out.put(rs.getInt(1), rs.getBytes(2));
                }, experimentId, round, stage);
        return out;
    }

    /** The clients that sent a message in a stage, in client order (their bodies not read). */
    java.util.List<Integer> clients(UUID experimentId, int round, String stage) {
        return jdbc.queryForList("SELECT client_index FROM secagg_messages WHERE experiment_id = ? AND round = ? AND stage = ? "
                + "ORDER BY client_index", Integer.class, experimentId, round, stage);
    }

    /** The bytes the clients sent in the round's stages (what secure aggregation put on the wire, up). */
    public long clientBytes(UUID experimentId, int round) {
        Long n = jdbc.queryForObject("SELECT coalesce(sum(length(body)), 0) FROM secagg_messages WHERE experiment_id = ? "
                + "AND round = ? AND client_index >= 0", Long.class, experimentId, round);
        return n == null ? 0 : n;
    }

    /** The round's unmasked aggregate (safetensors), or null before the unmasking. */
    public byte[] result(UUID experimentId, int round) {
        return find(experimentId, round, RESULT, -1);
    }

    public void saveResult(UUID experimentId, int round, byte[] safetensors) {
        save(experimentId, round, RESULT, -1, safetensors);
    }
}
