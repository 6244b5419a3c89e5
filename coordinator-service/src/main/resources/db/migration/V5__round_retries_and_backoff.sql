-- fault handling (issue 5): a round below quorum at its deadline may be re-opened (attempt counts
-- the re-openings); a round whose codec-service call failed waits until retry_at before it tries
-- again (exponential backoff over failed_calls), last_error says why.
-- (V5, not V4: leaves V4 to a branch developed beside this one.)
ALTER TABLE rounds ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rounds ADD COLUMN failed_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rounds ADD COLUMN retry_at TIMESTAMPTZ;
ALTER TABLE rounds ADD COLUMN last_error TEXT;

-- open tasks of a worker, for the sweep that hands a silent worker's tasks to live ones
CREATE INDEX tasks_open_by_experiment ON tasks (experiment_id, status);
