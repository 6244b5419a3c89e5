CREATE TABLE experiments (
    id              UUID PRIMARY KEY,
    name            TEXT        NOT NULL,
    spec            TEXT        NOT NULL,
    status          TEXT        NOT NULL,
    current_round   INTEGER     NOT NULL DEFAULT 0,
    failure_reason  TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    started_at      TIMESTAMPTZ,
    finished_at     TIMESTAMPTZ,
    version         BIGINT      NOT NULL DEFAULT 0
);
CREATE INDEX experiments_status ON experiments (status);

CREATE TABLE workers (
    id             UUID PRIMARY KEY,
    name           TEXT        NOT NULL,
    device         TEXT,
    registered_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL
);

-- which worker acts as which client of an experiment (a worker may serve several clients)
CREATE TABLE experiment_clients (
    experiment_id  UUID    NOT NULL REFERENCES experiments (id),
    client_index   INTEGER NOT NULL,
    worker_id      UUID    NOT NULL REFERENCES workers (id),
    PRIMARY KEY (experiment_id, client_index)
);

CREATE TABLE rounds (
    experiment_id     UUID        NOT NULL REFERENCES experiments (id),
    round             INTEGER     NOT NULL,
    status            TEXT        NOT NULL,
    selected          INTEGER     NOT NULL,
    opened_at         TIMESTAMPTZ NOT NULL,
    deadline_at       TIMESTAMPTZ NOT NULL,
    aggregated_at     TIMESTAMPTZ,
    closed_at         TIMESTAMPTZ,
    uploads           INTEGER     NOT NULL DEFAULT 0,
    train_loss        DOUBLE PRECISION,
    eval_loss         DOUBLE PRECISION,
    perplexity        DOUBLE PRECISION,
    accuracy          DOUBLE PRECISION,
    accuracy_by_category TEXT,
    upload_bytes      BIGINT      NOT NULL DEFAULT 0,
    raw_update_bytes  BIGINT      NOT NULL DEFAULT 0,
    client_metrics    TEXT,
    PRIMARY KEY (experiment_id, round)
);

CREATE TABLE tasks (
    id              UUID PRIMARY KEY,
    experiment_id   UUID        NOT NULL REFERENCES experiments (id),
    round           INTEGER     NOT NULL,
    client_index    INTEGER     NOT NULL,
    type            TEXT        NOT NULL,
    status          TEXT        NOT NULL,
    worker_id       UUID        NOT NULL REFERENCES workers (id),
    adapter_version INTEGER     NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    assigned_at     TIMESTAMPTZ,
    completed_at    TIMESTAMPTZ,
    failure_reason  TEXT
);
CREATE INDEX tasks_by_worker ON tasks (worker_id, status, created_at);
CREATE INDEX tasks_by_round ON tasks (experiment_id, round);

-- one accepted update per client and round: the primary key makes uploads idempotent
CREATE TABLE uploads (
    experiment_id   UUID        NOT NULL REFERENCES experiments (id),
    round           INTEGER     NOT NULL,
    client_index    INTEGER     NOT NULL,
    task_id         UUID        NOT NULL REFERENCES tasks (id),
    worker_id       UUID        NOT NULL REFERENCES workers (id),
    blob_key        TEXT        NOT NULL,
    sha256          TEXT        NOT NULL,
    wire_bytes      BIGINT      NOT NULL,
    raw_bytes       BIGINT      NOT NULL,
    samples         BIGINT      NOT NULL,
    train_loss      DOUBLE PRECISION,
    metrics         TEXT,
    received_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (experiment_id, round, client_index)
);

-- every global adapter version is kept: version 0 is the initial adapter, version r the result of round r
CREATE TABLE adapter_versions (
    experiment_id  UUID        NOT NULL REFERENCES experiments (id),
    version        INTEGER     NOT NULL,
    blob_key       TEXT        NOT NULL,
    sha256         TEXT        NOT NULL,
    bytes          BIGINT      NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (experiment_id, version)
);
