-- Vigie store schema, version 2: alert_values keyed by (field, v, t, seq).
-- See docs/STORE.md ("Read plans").
--
-- With t (CreateTime) before seq in the key, the rows of one value come
-- out newest first, so "Source.IP = X, newest 50" walks 50 index entries
-- and stops instead of reading and sorting every match, and a probe from an
-- alert (field, v, t = create_ns, seq) is a single key lookup. t is the
-- alert's CreateTime and seq its rowid, so the key is as unique as the old
-- (field, v, seq).

-- +goose Up
CREATE TABLE alert_values_v2 (
    field INTEGER NOT NULL,
    v             NOT NULL,
    t     INTEGER NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (field, v, t, seq)
) WITHOUT ROWID;
INSERT INTO alert_values_v2(field, v, t, seq) SELECT field, v, t, seq FROM alert_values;
DROP TABLE alert_values;
ALTER TABLE alert_values_v2 RENAME TO alert_values;
CREATE INDEX alert_values_seq ON alert_values(seq, field);

-- +goose Down
CREATE TABLE alert_values_v1 (
    field INTEGER NOT NULL,
    v             NOT NULL,
    seq   INTEGER NOT NULL,
    t     INTEGER NOT NULL,
    PRIMARY KEY (field, v, seq)
) WITHOUT ROWID;
INSERT INTO alert_values_v1(field, v, seq, t) SELECT field, v, seq, t FROM alert_values;
DROP TABLE alert_values;
ALTER TABLE alert_values_v1 RENAME TO alert_values;
CREATE INDEX alert_values_seq ON alert_values(seq, field);
