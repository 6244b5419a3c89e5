-- what a worker says a task may use (bytes), from its registration; null for workers that did not say
ALTER TABLE workers ADD COLUMN memory_budget_bytes bigint;
