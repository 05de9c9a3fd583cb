-- Vigie store schema, version 7: the alert ID index by storage bucket.
-- See docs/STORE.md ("Alert IDs").
--
-- A unique index on alerts(id) puts every new alert's ID at a random place
-- (IDs are random UUIDs): a write transaction of 2,000 alerts dirtied about
-- as many leaf pages of it, written to the WAL and checkpointed again, and
-- that cost grew with the store (18 of 74 µs of CPU per alert written into
-- 300,000 alerts). Keyed by (seq >> 15, id) instead, the IDs of an alert go
-- into the bucket of the 32,768 seqs it belongs to, so one transaction
-- dirties at most the few hundred leaves of the newest bucket.
--
-- The index is no longer unique: the store keeps IDs unique itself (a filter
-- of stored IDs in memory says which IDs of a batch may be stored already,
-- and only those are looked up). A lookup by ID probes each bucket that holds
-- alerts: "a.seq >> 15 IN alert_id_buckets AND a.id = ?" (one index seek per
-- bucket, ~31 per million alerts).

-- +goose Up
DROP INDEX alerts_id;
CREATE INDEX alerts_id_bucket ON alerts(seq >> 15, id);
-- The buckets that hold alerts, newest first.
CREATE VIEW alert_id_buckets(k) AS
    WITH RECURSIVE b(k) AS (
        SELECT (SELECT max(seq) FROM alerts) >> 15
        UNION ALL
        SELECT k - 1 FROM b WHERE k > (SELECT min(seq) FROM alerts) >> 15
    )
    SELECT k FROM b;

-- +goose Down
DROP VIEW alert_id_buckets;
DROP INDEX alerts_id_bucket;
CREATE UNIQUE INDEX alerts_id ON alerts(id);
