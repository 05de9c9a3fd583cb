// Package server assembles a running Vigie from its configuration: the
// store, the bus, authentication, HTTP ingest, the pipeline stages, the REST
// API and the periodic maintenance (retention, session purge), and runs them
// with one lifecycle.
//
// Shutdown order matters and is encoded in Run: ingest stops accepting
// first (so that every 2xx already given is on the bus), then the pipeline
// drains (every message on the bus is written or left for redelivery), then
// the API stops, and only then are the bus and the store closed.
package server
