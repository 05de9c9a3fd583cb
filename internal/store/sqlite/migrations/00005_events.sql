-- Vigie store schema, version 5: raw log events (syslog, files), kept
-- whether or not a parsing rule recognised them. See docs/INPUTS.md.
--
-- ts_ns is the event's own time, else when it was received; listings go
-- newest first on (ts_ns, id). size estimates the row's bytes for
-- retention by size.

-- +goose Up
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    ts_ns       INTEGER NOT NULL,
    received_ns INTEGER NOT NULL,
    input       TEXT    NOT NULL,
    peer        TEXT    NOT NULL DEFAULT '',
    host        TEXT    NOT NULL DEFAULT '',
    app         TEXT    NOT NULL DEFAULT '',
    facility    INTEGER NOT NULL DEFAULT -1,
    severity    INTEGER NOT NULL DEFAULT -1,
    message     TEXT    NOT NULL,
    raw         BLOB    NOT NULL,
    rule_id     TEXT    NOT NULL DEFAULT '',
    alert_id    TEXT    NOT NULL DEFAULT '',
    size        INTEGER NOT NULL
);
CREATE INDEX events_ts ON events(ts_ns, id);
CREATE INDEX events_host_ts ON events(host, ts_ns);
CREATE INDEX events_app_ts ON events(app, ts_ns);
CREATE INDEX events_input_ts ON events(input, ts_ns);

-- Free text over host, app and message; rowid = events.id.
CREATE VIRTUAL TABLE events_text USING fts5(
    body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);

-- +goose Down
DROP TABLE events_text;
DROP TABLE events;
