// Package bus is the message bus the pipeline stages talk to: the interfaces
// they publish and consume through, the domain types that cross it (Message,
// Delivery, Stream, ConsumeOptions) and the errors they branch on.
//
// The bus carries alerts between stages (ARCHITECTURE.md §2):
//
//	ingest ──▶ alerts.in ──▶ enrich ──▶ alerts.enriched ──▶ store, correlate, notify…
//	                 any stage ──▶ alerts.dead (dead letters, with the reason)
//
// Engines live in child packages and export a type named Bus that implements
// Publisher and Consumer: bus/nats (embedded or external NATS JetStream) today,
// bus/kafka later. Every engine must pass the contract suite in bus/bustest.
//
// Delivery is at-least-once. A stage therefore has to be idempotent by
// Message.Key (the alert ID): the same message may be handled more than once
// after a crash, a lost acknowledgement or an AckWait expiry.
package bus
