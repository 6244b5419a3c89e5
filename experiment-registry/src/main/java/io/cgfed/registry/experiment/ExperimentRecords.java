package io.cgfed.registry.experiment;

import io.cgfed.core.protocol.ExperimentRecord;

import io.cgfed.core.protocol.RoundRecord;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/** The registry's tables, through plain SQL. */
@Repository
public class ExperimentRecords {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private final JdbcClient jdbc;
    private final ObjectMapper json;

    ExperimentRecords(JdbcClient jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    @Transactional
    public ExperimentRecord upsert(ExperimentRecord e) {
        Instant now = Instant.now();
        jdbc.sql("""
                INSERT INTO experiments (id, name, status, codec, spec, summary, created_at, updated_at)
                VALUES (:id, :name, :status, :codec, CAST(:spec AS jsonb), CAST(:summary AS jsonb), :created, :updated)
                ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, status = EXCLUDED.status, codec = EXCLUDED.codec,
                    spec = EXCLUDED.spec, summary = EXCLUDED.summary, updated_at = EXCLUDED.updated_at
                """)
                .param("id", e.id())
                .param("name", e.name())
                .param("status", e.status())
                .param("codec", e.codec())
                .param("spec", json.writeValueAsString(e.spec()))
                .param("summary", json.writeValueAsString(e.summary() == null ? Map.of() : e.summary()))
                .param("created", Timestamp.from(e.createdAt() == null ? now : e.createdAt()))
                .param("updated", Timestamp.from(now))
                .update();
        return find(e.id()).orElseThrow();
    }

    public Optional<ExperimentRecord> find(UUID id) {
        return jdbc.sql("SELECT * FROM experiments WHERE id = :id").param("id", id).query(this::experiment).optional();
    }

    public List<ExperimentRecord> list(int limit, int offset) {
        return list(new ExperimentQuery(null, null, null, ExperimentQuery.Sort.CREATED_AT, true), limit, offset);
    }

    /** A page of the experiments the query selects, in its order (ties by id, so pages do not overlap). */
    public List<ExperimentRecord> list(ExperimentQuery q, int limit, int offset) {
        Map<String, Object> params = new java.util.HashMap<>();
        String where = where(q, params);
        params.put("limit", limit);
        params.put("offset", offset);
        String order = q.sort().sql() + (q.descending() ? " DESC NULLS LAST" : " ASC NULLS LAST") + ", id";
        return jdbc.sql("SELECT * FROM experiments" + where + " ORDER BY " + order + " LIMIT :limit OFFSET :offset")
                .params(params).query(this::experiment).list();
    }

    /** How many experiments the query selects, over all pages. */
    public long count(ExperimentQuery q) {
        Map<String, Object> params = new java.util.HashMap<>();
        String where = where(q, params);
        return jdbc.sql("SELECT count(*) FROM experiments" + where).params(params).query(Long.class).single();
    }

    private static String where(ExperimentQuery q, Map<String, Object> params) {
        List<String> clauses = new java.util.ArrayList<>();
        if (q.statuses() != null && !q.statuses().isEmpty()) {
            clauses.add("upper(status) IN (:statuses)");
            params.put("statuses", q.statuses());
        }
        if (q.codecs() != null && !q.codecs().isEmpty()) {
            clauses.add("lower(codec) IN (:codecs)");
            params.put("codecs", q.codecs());
        }
        if (q.nameContains() != null) {
            clauses.add("strpos(lower(name), :name) > 0");
            params.put("name", q.nameContains().toLowerCase(java.util.Locale.ROOT));
        }
        return clauses.isEmpty() ? "" : " WHERE " + String.join(" AND ", clauses);
    }

    public boolean exists(UUID id) {
        return jdbc.sql("SELECT count(*) FROM experiments WHERE id = :id").param("id", id).query(Long.class).single() > 0;
    }

    @Transactional
    public void upsertRound(UUID experimentId, RoundRecord r) {
        jdbc.sql("""
                INSERT INTO rounds (experiment_id, round, clients, train_loss, eval_loss, accuracy, upload_bytes,
                                    raw_update_bytes, duration_ms, metrics, recorded_at)
                VALUES (:id, :round, :clients, :train, :eval, :acc, :up, :raw, :dur, CAST(:metrics AS jsonb), :at)
                ON CONFLICT (experiment_id, round) DO UPDATE SET clients = EXCLUDED.clients,
                    train_loss = EXCLUDED.train_loss, eval_loss = EXCLUDED.eval_loss, accuracy = EXCLUDED.accuracy,
                    upload_bytes = EXCLUDED.upload_bytes, raw_update_bytes = EXCLUDED.raw_update_bytes,
                    duration_ms = EXCLUDED.duration_ms, metrics = EXCLUDED.metrics, recorded_at = EXCLUDED.recorded_at
                """)
                .param("id", experimentId)
                .param("round", r.round())
                .param("clients", r.clients())
                .param("train", r.trainLoss())
                .param("eval", r.evalLoss())
                .param("acc", r.accuracy())
                .param("up", r.uploadBytes())
                .param("raw", r.rawUpdateBytes())
                .param("dur", r.durationMs())
                .param("metrics", json.writeValueAsString(r.metrics()))
                .param("at", Timestamp.from(r.recordedAt() == null ? Instant.now() : r.recordedAt()))
                .update();
    }

    public List<RoundRecord> rounds(UUID experimentId) {
        return jdbc.sql("SELECT * FROM rounds WHERE experiment_id = :id ORDER BY round")
                .param("id", experimentId).query(this::round).list();
    }

    private ExperimentRecord experiment(ResultSet rs, int row) throws SQLException {
        return new ExperimentRecord(rs.getObject("id", UUID.class), rs.getString("name"), rs.getString("status"),
                rs.getString("codec"), json.readValue(rs.getString("spec"), MAP), json.readValue(rs.getString("summary"), MAP),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
    }

    private RoundRecord round(ResultSet rs, int row) throws SQLException {
        return new RoundRecord(rs.getInt("round"), rs.getInt("clients"), nullable(rs, "train_loss"),
                nullable(rs, "eval_loss"), nullable(rs, "accuracy"), rs.getLong("upload_bytes"),
                rs.getLong("raw_update_bytes"), rs.getLong("duration_ms"), json.readValue(rs.getString("metrics"), MAP),
                rs.getTimestamp("recorded_at").toInstant());
    }

    private static Double nullable(ResultSet rs, String column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : v;
    }
}
