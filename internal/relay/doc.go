// Package relay is a small framework for Cisco Threat Response (SecureX/XDR)
// relay modules: the HTTP surface a Threat Response tenant talks to when it
// enriches observables through a third-party module.
//
// It provides what every relay module needs and nothing module-specific:
//
//   - the TR error object ([Error]) with its stable codes, and the response
//     envelopes: {"data":…,"errors":[…]} ([Assemble], [WriteData],
//     [WriteErrors]) and the generic 404/405/500 envelope ([WriteGeneric]);
//   - a router ([Mux]) that tolerates a trailing slash, answers unknown
//     paths with 404 and known paths with a wrong method with 405, and turns
//     a panic into the generic 500 envelope;
//   - bearer authentication ([Authenticator]): an RS256 JWT whose JWKS is
//     fetched from the host named in its own jwks_host claim, but only when
//     that host is on an allow-list ([JWKS]);
//   - observable-list validation ([ParseObservables]) with the exact
//     marshmallow-style error text Threat Response modules return;
//   - the CTIM entities a module answers with ([Sighting], [Relation],
//     [Reference]).
//
// The behaviour follows the SecurityTrails relay specification
// (../shared/securitytrails/SPEC.md, §1–§4); the SecurityTrails module lives
// in the securitytrails sub-package. Everything is per request: no option
// read from a token is ever stored in shared state.
package relay
