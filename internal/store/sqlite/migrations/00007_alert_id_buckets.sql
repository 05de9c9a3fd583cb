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
-- and only those are looked up). A lookup by ID probes each bucket listed in
-- alert_id_buckets, which the writer keeps (a bucket is added with its first
-- alert and removed by retention once older than every alert): one index seek
-- per bucket, ~31 per million alerts. (A view computing the buckets from
-- min(seq) and max(seq) with a recursive CTE cost 3× the seeks themselves.)

-- +goose Up
DROP INDEX alerts_id;
CREATE INDEX alerts_id_bucket ON alerts(seq >> 15, id);
CREATE TABLE alert_id_buckets (
    k INTEGER PRIMARY KEY -- seq >> 15
);
INSERT INTO alert_id_buckets(k) SELECT DISTINCT seq >> 15 FROM alerts;

-- +goose Down
DROP TABLE alert_id_buckets;
DROP INDEX alerts_id_bucket;
CREATE UNIQUE INDEX alerts_id ON alerts(id);
