// Package pipeline runs Vigie's processing stages as durable consumers of the
// bus (ARCHITECTURE.md §2):
//
//	alerts.in ──enrich──▶ alerts.enriched ──store──▶ the alert store
//	alerts.dead ──deadletters──▶ the dead-letter store
//
// Every stage is at-least-once: a message is acknowledged only after its
// effect is durable (published to the next subject, or committed to the
// store), and every effect is idempotent by alert ID, so a crash or restart
// loses and duplicates nothing. Stages batch their work: they consume with
// bus.Consumer.ConsumeBatch, write or publish each batch in one operation,
// and the bus acknowledges the batch's deliveries once that is done (each on
// its own outcome: an undecodable alert is dead-lettered, the rest written).
//
// Enrichment and correlation plug in through the Enricher interface and by
// consuming alerts.enriched with their own durable name.
//
// Without enrichers the enrich stage is the identity: ingest then publishes
// straight to alerts.enriched (IngestSubject) and saves a bus hop per alert;
// the enrich stage still forwards whatever reaches alerts.in.
package pipeline
