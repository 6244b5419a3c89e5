-- every codec version of every experiment: version 1 from TGAP, later ones from FAF adaptation
CREATE TABLE codec_versions (
    experiment_id   UUID        NOT NULL,
    version         INTEGER     NOT NULL,
    codec           TEXT        NOT NULL,
    architecture    TEXT        NOT NULL,
    settings        TEXT        NOT NULL,
    origin          TEXT        NOT NULL,   -- TGAP or FAF
    parent_version  INTEGER,
    status          TEXT        NOT NULL,   -- TRAINING, READY, FAILED
    progress        TEXT,                   -- JSON: epoch, epochs, trainLoss
    quality         TEXT,                   -- JSON: held-out cosine, SNR, aggregate cosine ...
    failure_reason  TEXT,
    snapshots       INTEGER     NOT NULL DEFAULT 0,
    weights         BYTEA,
    weights_bytes   BIGINT,
    weights_sha256  TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    PRIMARY KEY (experiment_id, version)
);

-- what a TGAP training reads, kept until it is READY so that a restarted codec-service resumes it
CREATE TABLE codec_training_data (
    experiment_id   UUID        NOT NULL,
    version         INTEGER     NOT NULL,
    snapshots       BYTEA       NOT NULL,
    PRIMARY KEY (experiment_id, version),
    FOREIGN KEY (experiment_id, version) REFERENCES codec_versions (experiment_id, version)
);
