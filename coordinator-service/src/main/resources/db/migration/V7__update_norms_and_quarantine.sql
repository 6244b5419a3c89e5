-- poisoning defences (issue 15): each accepted update's L2 norm, measured at intake on the decoded update, and
-- why an update was quarantined at aggregation (kept, not aggregated; NULL for every aggregated one)
ALTER TABLE uploads ADD COLUMN update_norm DOUBLE PRECISION;
ALTER TABLE uploads ADD COLUMN quarantine_reason TEXT;
