-- Vigie store schema, version 3: accounts keep what the auth layer needs.
-- See docs/API.md ("Accounts storage").
--
-- users: when the password last changed (was approximated by updated_ns).
-- tokens: the sensor a sensor token authenticates, apart from the user who
-- created it (owner); when it was revoked, not just whether; names unique.
-- sessions: last-seen time for the idle timeout, client IP and user agent.

-- +goose Up
ALTER TABLE users ADD COLUMN password_changed_ns INTEGER NOT NULL DEFAULT 0;
UPDATE users SET password_changed_ns = updated_ns;

ALTER TABLE tokens ADD COLUMN sensor TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN revoked_ns INTEGER NOT NULL DEFAULT 0;
-- Sensor tokens kept the sensor's name in owner; their creator is unknown.
UPDATE tokens SET sensor = owner, owner = '' WHERE role = 'sensor';
-- The revocation time was not kept; the creation time is the best bound.
UPDATE tokens SET revoked_ns = created_ns WHERE revoked <> 0;
ALTER TABLE tokens DROP COLUMN revoked;
-- Names were unique only by a check before the insert: give any clash
-- (and any empty name) a distinct name so the unique index can be built.
UPDATE tokens SET name = id WHERE name = '';
UPDATE tokens SET name = name || ' (' || id || ')'
    WHERE EXISTS (SELECT 1 FROM tokens o WHERE o.name = tokens.name AND o.id < tokens.id);
CREATE UNIQUE INDEX tokens_name ON tokens(name);

-- Stored expiries had the idle deadline folded in, and last-seen times
-- were not kept: end every session rather than guess (users log in again).
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN seen_ns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN client_ip TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_seen ON sessions(seen_ns);

-- +goose Down
DROP INDEX sessions_seen;
ALTER TABLE sessions DROP COLUMN user_agent;
ALTER TABLE sessions DROP COLUMN client_ip;
ALTER TABLE sessions DROP COLUMN seen_ns;

DROP INDEX tokens_name;
ALTER TABLE tokens ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;
UPDATE tokens SET revoked = 1 WHERE revoked_ns <> 0;
UPDATE tokens SET owner = sensor WHERE sensor <> '';
ALTER TABLE tokens DROP COLUMN revoked_ns;
ALTER TABLE tokens DROP COLUMN sensor;

ALTER TABLE users DROP COLUMN password_changed_ns;
