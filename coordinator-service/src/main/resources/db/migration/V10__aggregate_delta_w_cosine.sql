-- audit mode: the cosine of the weight change a round applied to the exact mean of its clients' weight changes
ALTER TABLE rounds ADD COLUMN aggregate_delta_w_cosine DOUBLE PRECISION;
