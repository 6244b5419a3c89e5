-- per-round phase times (issue 6): when a round stopped taking uploads (collection closed), how long the
-- successful aggregation (decode + FedAvg + apply) and codec work (FAF refit/adaptation) took
ALTER TABLE rounds ADD COLUMN uploads_closed_at TIMESTAMPTZ;
ALTER TABLE rounds ADD COLUMN aggregation_ms BIGINT;
ALTER TABLE rounds ADD COLUMN codec_ms BIGINT;

-- a task whose upload came after its round had closed, or after the task was handed to another worker
-- (refused with 409): the client's outcome in that round is "late", not "failed"
ALTER TABLE tasks ADD COLUMN late_upload_at TIMESTAMPTZ;
