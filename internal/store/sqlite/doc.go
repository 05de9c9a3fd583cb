// Package sqlite is the embedded store engine: SQLite through the pure-Go
// modernc.org/sqlite driver, in WAL mode, with one writer connection and a
// pool of readers.
//
// Alerts are kept as their JSON plus indexed columns (times, priority,
// analyzer, lifecycle), a value table with one row per value of the list
// paths analysts filter on (Source(*).IP, Target(*).User, Category…) with
// each alert's values also in one JSONB row (its value set), and an FTS5
// index for free text. Queries of package store/query compile to
// SQL with bound parameters only; paths without an index fall back to
// json_each over the stored JSON. Schema changes are goose migrations
// embedded in the binary (SQL files; Go where stored documents must be
// read again, as 00006 does to re-index the free text). docs/STORE.md describes the schema.
package sqlite
