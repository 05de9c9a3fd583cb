-- Vigie store schema, version 1. See docs/STORE.md.

-- +goose Up

-- One row per alert: the columns analysts filter and sort on. The JSON
-- document lives in alert_docs so that scans of this table stay small.
CREATE TABLE alerts (
    seq           INTEGER PRIMARY KEY,     -- storage order, the keyset tiebreaker
    id            TEXT    NOT NULL,        -- IDMEF ID
    hash          INTEGER NOT NULL,        -- FNV-1a of the JSON: identical re-sends are no-ops
    create_ns     INTEGER NOT NULL,        -- CreateTime, Unix nanoseconds
    start_ns      INTEGER,
    end_ns        INTEGER,
    stored_ns     INTEGER NOT NULL,
    updated_ns    INTEGER NOT NULL,
    priority      INTEGER NOT NULL,        -- 0 absent, 1 Unknown, 2 Info, 3 Low, 4 Medium, 5 High
    cause         TEXT,
    analyzer_name TEXT    NOT NULL,
    organisation  TEXT,
    size          INTEGER NOT NULL,        -- bytes of JSON
    state         TEXT    NOT NULL DEFAULT 'new',
    assignee      TEXT,
    superseded_by TEXT,
    changed_ns    INTEGER                  -- last lifecycle change
);
CREATE UNIQUE INDEX alerts_id ON alerts(id);
CREATE INDEX alerts_time ON alerts(create_ns);
CREATE INDEX alerts_priority ON alerts(priority, create_ns);
CREATE INDEX alerts_state ON alerts(state, create_ns);
CREATE INDEX alerts_analyzer ON alerts(analyzer_name, create_ns);
CREATE INDEX alerts_assignee ON alerts(assignee, create_ns) WHERE assignee IS NOT NULL;
CREATE INDEX alerts_superseded ON alerts(superseded_by) WHERE superseded_by IS NOT NULL;

CREATE TABLE alert_docs (
    seq INTEGER PRIMARY KEY,
    doc TEXT NOT NULL
);

-- One row per value of an indexed list path (Source(*).IP, Category…).
-- field is a code (see fields.go); v is TEXT, INTEGER (ports) or a 16-byte
-- BLOB (IP addresses, IPv4 in v4-mapped form, so a CIDR block is a range);
-- t is CreateTime, so that group-by over a time range reads only this index.
CREATE TABLE alert_values (
    field INTEGER NOT NULL,
    v             NOT NULL,
    seq   INTEGER NOT NULL,
    t     INTEGER NOT NULL,
    PRIMARY KEY (field, v, seq)
) WITHOUT ROWID;
CREATE INDEX alert_values_seq ON alert_values(seq, field);

-- Free text (Description, Note, names, hosts, users, file names…), rowid = seq.
CREATE VIRTUAL TABLE alert_text USING fts5(
    body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);

-- A PredID whose predecessor is not stored yet.
CREATE TABLE pending_supersessions (
    pred_id TEXT    NOT NULL,
    by_id   TEXT    NOT NULL,
    at_ns   INTEGER NOT NULL,
    PRIMARY KEY (pred_id, by_id)
) WITHOUT ROWID;

CREATE TABLE alert_tags (
    tag TEXT    NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (tag, seq)
) WITHOUT ROWID;
CREATE INDEX alert_tags_seq ON alert_tags(seq);

CREATE TABLE comments (
    id       INTEGER PRIMARY KEY,
    seq      INTEGER NOT NULL,
    alert_id TEXT    NOT NULL,
    author   TEXT    NOT NULL,
    at_ns    INTEGER NOT NULL,
    body     TEXT    NOT NULL
);
CREATE INDEX comments_seq ON comments(seq);

CREATE TABLE audit (
    id       INTEGER PRIMARY KEY,
    seq      INTEGER NOT NULL,
    alert_id TEXT    NOT NULL,
    actor    TEXT    NOT NULL,
    at_ns    INTEGER NOT NULL,
    field    TEXT    NOT NULL,
    old      TEXT,
    new      TEXT
);
CREATE INDEX audit_seq ON audit(seq);

CREATE TABLE dead_letters (
    id          INTEGER PRIMARY KEY,
    received_ns INTEGER NOT NULL,
    sender      TEXT    NOT NULL,
    remote_addr TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    problems    TEXT,
    raw         BLOB    NOT NULL,
    raw_size    INTEGER NOT NULL
);
CREATE INDEX dead_letters_received ON dead_letters(received_ns);
CREATE INDEX dead_letters_sender ON dead_letters(sender, id);

CREATE TABLE sensors (
    kind          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    sid           TEXT    NOT NULL,
    hostname      TEXT    NOT NULL DEFAULT '',
    ip            TEXT    NOT NULL DEFAULT '',
    model         TEXT    NOT NULL DEFAULT '',
    first_ns      INTEGER NOT NULL,
    last_alert_ns INTEGER NOT NULL DEFAULT 0,
    last_hb_ns    INTEGER NOT NULL DEFAULT 0,
    alerts        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, name, sid)
) WITHOUT ROWID;

CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_ns    INTEGER NOT NULL,
    updated_ns    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT    NOT NULL,
    owner      TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,
    created_ns INTEGER NOT NULL,
    used_ns    INTEGER NOT NULL DEFAULT 0,
    expires_ns INTEGER NOT NULL DEFAULT 0,
    revoked    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX tokens_owner ON tokens(owner);

CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    user       TEXT    NOT NULL,
    csrf       TEXT    NOT NULL,
    created_ns INTEGER NOT NULL,
    expires_ns INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user);
CREATE INDEX sessions_expires ON sessions(expires_ns);

-- +goose Down
DROP TABLE sessions;
DROP TABLE tokens;
DROP TABLE users;
DROP TABLE sensors;
DROP TABLE dead_letters;
DROP TABLE audit;
DROP TABLE comments;
DROP TABLE alert_tags;
DROP TABLE pending_supersessions;
DROP TABLE alert_text;
DROP TABLE alert_values;
DROP TABLE alert_docs;
DROP TABLE alerts;
