-- held-out examples per category of a round's evaluation, for the C-Eval-style table
ALTER TABLE rounds ADD COLUMN examples_by_category TEXT;
