// Package api is Vigie's REST API: JSON over HTTP, described by the OpenAPI
// 3.1 document it serves at /api/openapi.json.
//
// New builds an http.Handler over narrow interfaces of the store (alerts,
// lifecycle, dead letters, sensors, accounts) and of the auth layer. It
// serves:
//
//   - /api/v1/alerts…: search in the query language of store/query, alert
//     detail (the IDMEFv2 document with the lifecycle beside it), lifecycle
//     changes single and bulk, comments and audit trail, group-by,
//     histograms, top-N;
//   - /api/v1/stats, /api/v1/deadletters…, /api/v1/sensors;
//   - /api/v1/login, /logout, /me; /api/v1/users… and /api/v1/tokens…;
//   - /healthz, /readyz and /metrics.
//
// # Conventions
//
// Every /api/v1 route but login needs credentials: the session cookie
// (with the X-CSRF-Token header on unsafe methods), an API token as
// Authorization: Bearer, or HTTP Basic. Each route requires one auth.Action
// (see the x-vigie-action of each operation in the document): no or bad
// credentials give 401, a role without the action 403.
//
// Handlers return errors; one renderer maps them to a status and the
// envelope {"error": {"code", "message", "details", "request_id"}}, whose
// code is stable (the Code constants). Internal errors are logged with the
// request ID and never shown. Request bodies must be application/json, at
// most Options.MaxBodyBytes, without unknown fields; unknown query
// parameters are refused too, so that a typo does not silently widen a
// search.
//
// Every response carries X-Request-ID, nosniff, a Referrer-Policy,
// Cache-Control: no-store and a CSP that forbids everything (the API serves
// no HTML). Each request is logged once (route pattern, status, duration,
// principal; never the query string or credentials) and counted in
// vigie_api_requests_total and vigie_api_request_duration_seconds.
package api
