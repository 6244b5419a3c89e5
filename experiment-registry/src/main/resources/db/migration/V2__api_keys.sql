-- API keys: only the SHA-256 of each key is kept; keys from the environment (origin ENVIRONMENT:
-- the admin key, the coordinator's key) are hashed in at start, keys made through /api/v1/api-keys
-- (origin API) are shown once
CREATE TABLE api_keys (
    id          UUID PRIMARY KEY,
    name        TEXT        NOT NULL,
    role        TEXT        NOT NULL CHECK (role IN ('ADMIN', 'USER', 'READER')),
    origin      TEXT        NOT NULL CHECK (origin IN ('ENVIRONMENT', 'API')),
    key_sha256  TEXT        NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT,
    revoked_at  TIMESTAMPTZ
);
