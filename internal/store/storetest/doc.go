// Package storetest is the contract suite of store engines: Run exercises
// every method of store.Store and checks the documented semantics (upsert,
// PredID in both orders, list-path queries, CIDR, wildcards, free text,
// stable pagination, aggregations, lifecycle and audit, retention, dead
// letters, sensors, accounts). Each engine's tests call Run with a function
// that opens a fresh, empty store.
package storetest
