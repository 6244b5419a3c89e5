package io.cgfed.launcher.chaos;

import io.cgfed.launcher.Platform;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Where an experiment stood at the kill, read from the coordinator's tables just before it: the latest
 * round and its status ({@code RoundStatus}), with an open round split into "training" (no update in yet)
 * and "upload" (some in, others on their way).
 */
final class KillPhase {
    /** The phase of an experiment that had ended before the kill: such a kill tests nothing. */
    static final String AFTER_THE_END = "after the end";

    private KillPhase() {
    }

    /** The phase from the experiment's status and its latest round (number, status, uploads in, clients selected). */
    static String of(String experimentStatus, Integer round, String roundStatus, int uploads, int selected) {
        if (!List.of("PENDING", "RUNNING").contains(experimentStatus)) {
            return AFTER_THE_END;
        }
        if (round == null || round == 0 && !"CLOSED".equals(roundStatus)) {
            return "baseline";
        }
        return switch (roundStatus) {
            case "OPEN" -> uploads == 0 ? "training" : uploads < selected ? "upload" : "collection closing";
            case "COLLECTING", "TRAINING_CODEC" -> "codec training";
            case "AGGREGATING" -> "aggregation";
            case "EVALUATING" -> "evaluation";
            case "CLOSED" -> "between rounds";
            default -> roundStatus.toLowerCase(Locale.ROOT);
        };
    }

    /** The phase of the experiment now, with its round number ("training, round 2"). */
    static String now(Platform platform, String experimentId) throws SQLException {
        try (Connection c = DriverManager.getConnection(platform.jdbcUrl(), "postgres", "");
             PreparedStatement s = c.prepareStatement("SELECT e.status, r.round, r.status, r.uploads, r.selected "
                     + "FROM coordinator.experiments e LEFT JOIN LATERAL (SELECT * FROM coordinator.rounds x "
                     + "WHERE x.experiment_id = e.id ORDER BY x.round DESC LIMIT 1) r ON true WHERE e.id = ?")) {
            s.setObject(1, UUID.fromString(experimentId));
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return "not stored";
                }
                Integer round = r.getObject(2) == null ? null : r.getInt(2);
                String phase = of(r.getString(1), round, r.getString(3), r.getInt(4), r.getInt(5));
                return round == null || phase.equals(AFTER_THE_END) ? phase : phase + ", round " + round;
            }
        }
    }
}
