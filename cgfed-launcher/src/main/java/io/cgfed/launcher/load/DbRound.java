package io.cgfed.launcher.load;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One round as the coordinator's database has it (times in epoch milliseconds), read straight from its
 * tables after the run: what was stored and aggregated, and the coordinator's own timestamps.
 */
record DbRound(int round, String status, int selected, int uploadsCounted, long uploadRows, long uploadBytes,
               double openedAt, double firstUploadAt, double lastUploadAt, double aggregatedAt, double closedAt,
               long protocolBytes) {
    /**
     * Every round of an experiment, in order. Under secure aggregation a round's uploads are its masked inputs
     * (secure aggregation's MASKED_INPUT messages), and {@code protocolBytes} the other stages' messages (keys,
     * sealed shares, unmasking shares) of every client together.
     */
    static List<DbRound> read(String jdbcUrl, UUID experimentId) throws SQLException {
        String sql = """
                WITH inputs AS (
                    SELECT round, wire_bytes AS bytes, received_at AS at FROM coordinator.uploads WHERE experiment_id = ?
                    UNION ALL
                    SELECT round, length(body), created_at FROM coordinator.secagg_messages
                     WHERE experiment_id = ? AND stage = 'MASKED_INPUT')
                SELECT r.round, r.status, r.selected, r.uploads,
                       (SELECT count(*) FROM inputs u WHERE u.round = r.round),
                       (SELECT coalesce(sum(u.bytes), 0) FROM inputs u WHERE u.round = r.round),
                       extract(epoch FROM r.opened_at) * 1000,
                       (SELECT extract(epoch FROM min(u.at)) * 1000 FROM inputs u WHERE u.round = r.round),
                       (SELECT extract(epoch FROM max(u.at)) * 1000 FROM inputs u WHERE u.round = r.round),
                       extract(epoch FROM r.aggregated_at) * 1000,
                       extract(epoch FROM r.closed_at) * 1000,
                       (SELECT coalesce(sum(length(m.body)), 0) FROM coordinator.secagg_messages m
                         WHERE m.experiment_id = r.experiment_id AND m.round = r.round
                           AND m.stage IN ('ADVERTISE', 'SHARE', 'UNMASK'))
                FROM coordinator.rounds r WHERE r.experiment_id = ? ORDER BY r.round""";
        List<DbRound> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
             PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, experimentId);
            s.setObject(2, experimentId);
            s.setObject(3, experimentId);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new DbRound(r.getInt(1), r.getString(2), r.getInt(3), r.getInt(4), r.getLong(5), r.getLong(6),
                            r.getDouble(7), nullable(r, 8), nullable(r, 9), nullable(r, 10), nullable(r, 11),
                            r.getLong(12)));
                }
            }
        }
        return out;
    }

    private static double nullable(ResultSet r, int column) throws SQLException {
        double v = r.getDouble(column);
        return r.wasNull() ? Double.NaN : v;
    }
}
