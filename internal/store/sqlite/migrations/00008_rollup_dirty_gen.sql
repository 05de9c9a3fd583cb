-- Vigie store schema, version 8: a generation per dirty rollup hour.
-- See docs/STORE.md ("Rollup").
--
-- Retention repaired a dirty hour (recomputed its rollup rows from
-- alert_values) inside one write transaction: for a busy hour, seconds
-- during which nothing else was written, and ingest backed up behind it.
-- The repair now reads the hour in a read transaction and writes the result
-- in a short one, which applies it only if the hour was not marked dirty
-- again meanwhile: every mark bumps gen.

-- +goose Up
ALTER TABLE rollup_dirty ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE rollup_dirty DROP COLUMN gen;
