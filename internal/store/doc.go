// Package store defines how Vigie keeps what it has received: alerts with
// their triage lifecycle (state, assignee, tags, comments, audit trail),
// dead letters, sensors and the accounts of users, API tokens and sessions.
//
// The package holds the engine-neutral interfaces, the domain types and the
// sentinel errors. Engines live in child packages named for the engine
// (store/sqlite, later store/postgres), each exporting a Store type that
// implements Store; store/storetest is the contract suite every engine runs.
//
// # Queries
//
// Search, GroupBy, Histogram and Top take a filter written in the query
// language of package store/query (IDMEF paths, comparisons, CIDR,
// wildcards, free text); the time range, sort order and cursor are separate
// request fields. A malformed filter gives an error that wraps
// ErrInvalidQuery and, when it comes from the parser, is a *query.Error
// naming the position and what was expected.
//
// # Concurrency
//
// Every method of every interface is safe for concurrent use. Writes are
// serialised by the engine; a read sees a consistent snapshot of the store.
package store
