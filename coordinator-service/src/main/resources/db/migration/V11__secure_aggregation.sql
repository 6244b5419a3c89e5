-- secure aggregation (SecAgg+): the stage an open round is in, and every stage message a client sent (public
-- keys, sealed shares, masked inputs, unmasking shares) with the round's unmasked aggregate (stage RESULT,
-- client -1): the server's whole state, so a restarted coordinator replays it and goes on
ALTER TABLE rounds ADD COLUMN secagg_stage TEXT;
CREATE TABLE secagg_messages (
    experiment_id UUID        NOT NULL REFERENCES experiments (id),
    round         INTEGER     NOT NULL,
    stage         TEXT        NOT NULL,
    client_index  INTEGER     NOT NULL,
    body          BYTEA       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (experiment_id, round, stage, client_index)
);
