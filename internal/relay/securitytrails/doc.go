// Package securitytrails is the SecurityTrails integration: an API client
// (reusable by the enrichment engine) and a Threat Response relay module
// that answers SecureX/XDR with CTIM sightings, behaviour-compatible with
// Cisco's tr-05-serverless-securitytrails 2.0.5.
//
// # Client
//
// [Client] calls the three SecurityTrails endpoints the relay needs: ping,
// DNS history (A/AAAA) and domain search by IP. It pages as the original
// does (SPEC §6.7): the first page, then, when more are wanted, a
// rate-limit probe and the remaining pages concurrently, merged in page
// order, with a count of the pages SecurityTrails would not serve. Every
// paged call takes at least 1.1 s unless pacing is disabled. Failures are
// typed ([APIError], [TLSError], [TransportError], [ResponseError],
// [ErrUnexpectedShape]) so callers can classify them (SPEC §6.4–6.5).
// The API key ([APIKey]) never appears in logs or error texts.
//
// # Relay module
//
// [Module] serves /health, /observe/observables, /refer/observables,
// /version and /watchdog on a [relay.Mux], authenticating with a
// [relay.Authenticator] and mapping record sets to CTIM sightings (SPEC §5,
// §7). Where the original crashes with a 500, the module answers a clear
// TR error instead; docs/RELAY-SECURITYTRAILS.md lists each case.
package securitytrails
