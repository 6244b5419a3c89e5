-- a strategy's server optimiser state after the round that made the version (null without one: fedavg and
-- the robust rules keep none), and what the strategy did for it (JSON: Krum's chosen clients, the trimmed
-- share, the server step's norm)
ALTER TABLE adapter_versions ADD COLUMN server_state_blob_key text;
ALTER TABLE adapter_versions ADD COLUMN aggregation_diagnostics text;
