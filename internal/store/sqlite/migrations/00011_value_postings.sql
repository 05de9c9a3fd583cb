-- Vigie store schema, version 11: postings replace the rows of the value
-- index. See docs/STORE.md ("Postings") and postings.go.
--
-- alert_values held one row per (field, value, alert), about seven per
-- alert, each inserted at one of a few hundred hot places of its B-tree:
-- the largest part of the writer's work. alert_postings holds one row per
-- (field, value, hour of CreateTime) per write transaction, listing its
-- alerts as a JSONB array of ascending seqs. tmax and tmin bound the
-- alerts' CreateTimes, all in the hour of tmax; lo is the lowest seq.
-- Existing rows are grouped the same way, 2,048 seqs at most per posting.

-- +goose Up
CREATE TABLE alert_postings (
    field INTEGER NOT NULL,
    v             NOT NULL,
    tmax  INTEGER NOT NULL,
    lo    INTEGER NOT NULL,
    tmin  INTEGER NOT NULL,
    n     INTEGER NOT NULL,
    seqs  BLOB    NOT NULL,
    PRIMARY KEY (field, v, tmax, lo)
) WITHOUT ROWID;
INSERT INTO alert_postings(field, v, tmax, lo, tmin, n, seqs)
    SELECT field, v, max(t), min(seq), min(t), count(*), jsonb_group_array(seq ORDER BY seq)
    FROM alert_values
    GROUP BY field, v, t / 3600000000000 - (t % 3600000000000 < 0), seq >> 11;
DROP TABLE alert_values;

-- +goose Down
CREATE TABLE alert_values (
    field INTEGER NOT NULL,
    v             NOT NULL,
    t     INTEGER NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (field, v, t, seq)
) WITHOUT ROWID;
INSERT INTO alert_values(field, v, t, seq)
    SELECT p.field, p.v, a.create_ns, a.seq
    FROM alert_postings p JOIN json_each(p.seqs) j CROSS JOIN alerts a ON a.seq = j.value;
DROP TABLE alert_postings;
