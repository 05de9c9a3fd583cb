// Package cti tells what threat intelligence knows about the addresses
// and names in alerts, from three kinds of sources:
//
//   - local IOC lists (CSV, STIX 2.1 bundles with simple indicator
//     patterns, MISP feeds: manifest.json plus one JSON file per event),
//     read from files or HTTP(S) URLs on a schedule, with an SSRF guard;
//   - SecurityTrails (the client of internal/relay/securitytrails),
//     quota- and rate-limit-aware;
//   - any Threat Response relay module (POST /observe/observables with a
//     bearer token; sightings and judgements mapped to a verdict).
//
// A hit is written into the alert: Source.TI ("IP:origin", the V08 form),
// a Target's Note (V08 has no Target.TI), and the enrichment attachment;
// a malicious verdict can raise the alert's priority.
package cti
