package io.cgfed.codec.versions;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** Codec versions in PostgreSQL (schema {@code codec}); weights are kept as bytea beside their row. */
@Repository
public class CodecVersionStore {
    private static final String COLUMNS = "experiment_id, version, codec, architecture, settings, origin, parent_version,"
            + " status, progress, quality, failure_reason, snapshots, weights_bytes, weights_sha256, created_at, finished_at";
    private final JdbcClient jdbc;

    CodecVersionStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** One codec version as stored, without its weights. */
    public record Row(UUID experimentId, int version, String codec, String architecture, String settings, String origin,
                      Integer parentVersion, String status, String progress, String quality, String failureReason,
                      int snapshots, Long weightsBytes, String weightsSha256, Instant createdAt, Instant finishedAt) {
    }

    public Optional<Row> find(UUID experimentId, int version) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM codec_versions WHERE experiment_id = ? AND version = ?")
                .params(experimentId, version).query(CodecVersionStore::row).optional();
    }

    public List<Row> list(UUID experimentId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM codec_versions WHERE experiment_id = ? ORDER BY version")
                .param(experimentId).query(CodecVersionStore::row).list();
    }

    public List<Row> training() {
        return jdbc.sql("SELECT " + COLUMNS + " FROM codec_versions WHERE status = 'TRAINING' ORDER BY created_at")
                .query(CodecVersionStore::row).list();
    }

    /** A TGAP version and the snapshots it trains on, in one transaction; false if the version exists. */
    @Transactional
    public boolean insertTraining(Row r, byte[] snapshots) {
        try {
            insert(r, null);
        } catch (DuplicateKeyException exists) {
            return false;
        }
        jdbc.sql("INSERT INTO codec_training_data (experiment_id, version, snapshots) VALUES (?, ?, ?)")
                .params(r.experimentId(), r.version(), snapshots).update();
        return true;
    }

    /** A version that is READY at once (FAF adaptation); false if the version exists. */
    public boolean insertReady(Row r, byte[] weights) {
        try {
            insert(r, weights);
            return true;
        } catch (DuplicateKeyException exists) {
            return false;
        }
    }

    private void insert(Row r, byte[] weights) {
        jdbc.sql("INSERT INTO codec_versions (" + COLUMNS + ", weights) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(r.experimentId(), r.version(), r.codec(), r.architecture(), r.settings(), r.origin(),
                        r.parentVersion(), r.status(), r.progress(), r.quality(), r.failureReason(), r.snapshots(),
                        r.weightsBytes(), r.weightsSha256(), Timestamp.from(r.createdAt()),
                        r.finishedAt() == null ? null : Timestamp.from(r.finishedAt()), weights)
                .update();
    }

    public byte[] trainingData(UUID experimentId, int version) {
        return jdbc.sql("SELECT snapshots FROM codec_training_data WHERE experiment_id = ? AND version = ?")
                .params(experimentId, version).query(byte[].class).optional().orElse(null);
    }

    public void progress(UUID experimentId, int version, String progress) {
        jdbc.sql("UPDATE codec_versions SET progress = ? WHERE experiment_id = ? AND version = ? AND status = 'TRAINING'")
                .params(progress, experimentId, version).update();
    }

    @Transactional
    public void ready(UUID experimentId, int version, byte[] weights, String sha256, String quality) {
        jdbc.sql("UPDATE codec_versions SET status = 'READY', weights = ?, weights_bytes = ?, weights_sha256 = ?,"
                        + " quality = ?, finished_at = ? WHERE experiment_id = ? AND version = ?")
                .params(weights, (long) weights.length, sha256, quality, Timestamp.from(Instant.now()), experimentId, version)
                .update();
        jdbc.sql("DELETE FROM codec_training_data WHERE experiment_id = ? AND version = ?")
                .params(experimentId, version).update();
    }

    public void failed(UUID experimentId, int version, String reason) {
        jdbc.sql("UPDATE codec_versions SET status = 'FAILED', failure_reason = ?, finished_at = ?"
                        + " WHERE experiment_id = ? AND version = ?")
                .params(reason, Timestamp.from(Instant.now()), experimentId, version).update();
    }

    public byte[] weights(UUID experimentId, int version) {
        return jdbc.sql("SELECT weights FROM codec_versions WHERE experiment_id = ? AND version = ? AND status = 'READY'")
                .params(experimentId, version).query(byte[].class).optional().orElse(null);
    }

    private static Row row(ResultSet rs, int n) throws SQLException {
        Timestamp finished = rs.getTimestamp("finished_at");
        long wb = rs.getLong("weights_bytes");
        Long weightsBytes = rs.wasNull() ? null : wb;
        int pv = rs.getInt("parent_version");
        Integer parent = rs.wasNull() ? null : pv;
        return new Row(rs.getObject("experiment_id", UUID.class), rs.getInt("version"), rs.getString("codec"),
                rs.getString("architecture"), rs.getString("settings"), rs.getString("origin"), parent,
                rs.getString("status"), rs.getString("progress"), rs.getString("quality"), rs.getString("failure_reason"),
                rs.getInt("snapshots"), weightsBytes, rs.getString("weights_sha256"),
                rs.getTimestamp("created_at").toInstant(), finished == null ? null : finished.toInstant());
    }
}
