// Package ingest brings IDMEFv2 alerts into Vigie over HTTP, per
// draft-lehmann-idmefv2-https-transport, on top of idmefv2/transport: it
// validates each message by its draft, upgrades older drafts to the current
// one, publishes accepted alerts to the bus (alerts.in, or alerts.enriched
// when there is nothing to enrich) — answering the sender only once the bus
// has stored them — and publishes every refused input
// to the dead-letter subject with the reason and the sender's identity, so
// that nothing is dropped silently.
//
// Authentication and per-sensor rate limits are the transport's
// Authenticator and Limiter, supplied by the caller.
package ingest
