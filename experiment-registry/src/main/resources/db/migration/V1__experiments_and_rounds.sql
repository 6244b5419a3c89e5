CREATE TABLE experiments (
    id           UUID PRIMARY KEY,
    name         TEXT        NOT NULL,
    status       TEXT        NOT NULL,
    codec        TEXT        NOT NULL,
    spec         JSONB       NOT NULL,
    summary      JSONB       NOT NULL DEFAULT '{}'::jsonb,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE rounds (
    experiment_id     UUID        NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    round             INTEGER     NOT NULL,
    clients           INTEGER     NOT NULL,
    train_loss        DOUBLE PRECISION,
    eval_loss         DOUBLE PRECISION,
    accuracy          DOUBLE PRECISION,
    upload_bytes      BIGINT      NOT NULL,
    raw_update_bytes  BIGINT      NOT NULL,
    duration_ms       BIGINT      NOT NULL,
    metrics           JSONB       NOT NULL DEFAULT '{}'::jsonb,
    recorded_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (experiment_id, round)
);
