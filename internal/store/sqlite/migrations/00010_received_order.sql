-- Vigie store schema, version 10: when Vigie received each alert's content.
-- See docs/STORE.md ("Re-sent IDs").
--
-- A re-sent ID replaces the stored content only with content received
-- later: the store stage writes batches concurrently and redelivers failed
-- ones after later batches, so contents can reach the writer out of order.
-- Alerts stored before this version count as received at time 0, so that
-- any re-send replaces them, as before.

-- +goose Up
ALTER TABLE alerts ADD COLUMN received_ns INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE alerts DROP COLUMN received_ns;
