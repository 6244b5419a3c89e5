-- API keys of the codec-service: only the SHA-256 of each key is kept; the coordinator's key
-- (CGFED_CODEC_API_KEY) and the admin key come from the environment and are hashed in at start, keys
-- an admin makes through /api/v1/api-keys (origin API) are shown once
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
