-- Vigie store schema, version 9: each alert's indexed values in one row.
-- See docs/STORE.md ("Value index").
--
-- Every value row of alert_values was written into two B-trees: the
-- primary key (field, v, t, seq) and alert_values_seq (seq, field), which
-- served the reads that go from an alert to its values (probes of CIDR
-- blocks and wildcards, group-by keys, rollups, deletes). Those reads now
-- unnest alert_value_sets.vals with json_each, and the writer appends one
-- row per alert (rowid = seq) instead of ~7 index entries.
--
-- vals is a JSONB object (SQLite's binary JSON, read without parsing): key "f<field code>", value the array of the
-- alert's values of that field: a JSON string (text), an integer (ports),
-- or a one-element array holding the hex of a 16-byte address key
-- (json_each cannot carry a BLOB). Alerts without indexed values have no
-- row.

-- +goose Up
CREATE TABLE alert_value_sets (
    seq  INTEGER PRIMARY KEY,
    vals BLOB NOT NULL
);
INSERT INTO alert_value_sets(seq, vals)
    SELECT seq, jsonb('{' || group_concat('"f' || field || '":[' || elems || ']', ',') || '}')
    FROM (
        SELECT seq, field, group_concat(CASE typeof(v)
                WHEN 'blob' THEN '["' || hex(v) || '"]'
                WHEN 'text' THEN json_quote(v)
                ELSE v END, ',') AS elems
        FROM alert_values INDEXED BY alert_values_seq
        GROUP BY seq, field
        ORDER BY seq, field
    )
    GROUP BY seq
    ORDER BY seq;
DROP INDEX alert_values_seq;

-- +goose Down
CREATE INDEX alert_values_seq ON alert_values(seq, field);
DROP TABLE alert_value_sets;
