-- Vigie store schema, version 4: hourly rollup of chosen path pairs.
-- See docs/STORE.md ("Rollup").
--
-- A group-by over two list paths (Category × Source(*).IP) paired every
-- alert's rows through alert_values(seq, field): one B-tree seek per alert,
-- 3.8 s over 1M alerts. alert_rollup keeps, per hour of CreateTime and per
-- pair of values of the pairs listed in fields.go (rollupPairs), the
-- number of alerts and their first and last CreateTime. PutAlerts adds to
-- it in the same transaction; a re-sent (updated) or deleted alert marks its
-- hour in rollup_dirty instead, and such hours are read from alert_values
-- until Retain recomputes them. Alerts created before 1970 are not rolled up.

-- +goose Up
CREATE TABLE alert_rollup (
    f1       INTEGER NOT NULL, -- field code of the first path (fields.go)
    f2       INTEGER NOT NULL, -- field code of the second path
    hour     INTEGER NOT NULL, -- CreateTime in Unix ns / 3600e9
    v1               NOT NULL, -- as alert_values.v
    v2               NOT NULL,
    n        INTEGER NOT NULL, -- alerts with both values created in the hour
    first_ns INTEGER NOT NULL,
    last_ns  INTEGER NOT NULL,
    PRIMARY KEY (f1, f2, hour, v1, v2)
) WITHOUT ROWID;

-- Hours whose rollup rows are stale (an alert of the hour was updated or
-- deleted): group-by reads them from alert_values.
CREATE TABLE rollup_dirty (
    hour INTEGER PRIMARY KEY
);

-- Category × Source(*).IP and Category × Target(*).IP.
INSERT INTO alert_rollup(f1, f2, hour, v1, v2, n, first_ns, last_ns)
    SELECT 1, 3, g0.t / 3600000000000, g0.v, g1.v, count(*), min(g0.t), max(g0.t)
    FROM alert_values g0 JOIN alert_values g1 ON g1.seq = g0.seq AND g1.field = 3
    WHERE g0.field = 1 AND g0.t >= 0
    GROUP BY 3, 4, 5;
INSERT INTO alert_rollup(f1, f2, hour, v1, v2, n, first_ns, last_ns)
    SELECT 1, 6, g0.t / 3600000000000, g0.v, g1.v, count(*), min(g0.t), max(g0.t)
    FROM alert_values g0 JOIN alert_values g1 ON g1.seq = g0.seq AND g1.field = 6
    WHERE g0.field = 1 AND g0.t >= 0
    GROUP BY 3, 4, 5;

-- +goose Down
DROP TABLE rollup_dirty;
DROP TABLE alert_rollup;
