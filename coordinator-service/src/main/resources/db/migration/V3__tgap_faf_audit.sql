-- the codec version new TRAIN tasks name (0: a codec that learns nothing)
ALTER TABLE experiments ADD COLUMN codec_version INTEGER NOT NULL DEFAULT 0;

-- which codec version a task encodes with, and whether it sends an FAF contribution first
ALTER TABLE tasks ADD COLUMN codec_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN contribute BOOLEAN NOT NULL DEFAULT FALSE;

-- per round: the codec version its updates used, the version it published (FAF), and, in audit mode,
-- the cosine between the aggregate of the reconstructions and the aggregate of the raw updates
ALTER TABLE rounds ADD COLUMN codec_version INTEGER;
ALTER TABLE rounds ADD COLUMN next_codec_version INTEGER;
ALTER TABLE rounds ADD COLUMN aggregate_cosine DOUBLE PRECISION;
ALTER TABLE rounds ADD COLUMN audited_updates INTEGER;

-- what a task sends besides its update: a TGAP collection (COLLECT tasks), an FAF contribution, or
-- the raw update of an audit-mode run; one of each kind per client and round
CREATE TABLE task_attachments (
    experiment_id   UUID        NOT NULL REFERENCES experiments (id),
    round           INTEGER     NOT NULL,
    client_index    INTEGER     NOT NULL,
    kind            TEXT        NOT NULL,
    task_id         UUID        NOT NULL REFERENCES tasks (id),
    blob_key        TEXT        NOT NULL,
    sha256          TEXT        NOT NULL,
    bytes           BIGINT      NOT NULL,
    items           INTEGER     NOT NULL,
    received_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (experiment_id, round, client_index, kind)
);
