// Package auth is Vigie's authentication and authorization logic: users
// with roles, argon2id password hashes, API tokens, UI sessions with CSRF
// protection, a login lockout, HTTP middleware, and the sensor
// authenticator of the ingest listener.
//
// Storage is not here: Service works over three small interfaces
// (UserStore, TokenStore, SessionStore) that the store implements, and
// keeps in them only hashes: argon2id PHC strings for passwords, SHA-256
// digests for API tokens and session IDs. Clear credentials travel as
// Secret, which never prints or logs.
//
// # Roles
//
// viewer < analyst < admin, plus sensor for tokens that may only send
// alerts. Can(role, action) is the whole permission table; docs/SECURITY.md
// shows it.
//
// # HTTP
//
// Service.Middleware identifies a request by session cookie, Bearer token
// or HTTP Basic, in that order, and puts a Principal into its context;
// Service.Require(action) answers 401 or 403. LoginHandler, LogoutHandler
// and SessionHandler serve the UI's session endpoints.
// IngestAuthenticator plugs API tokens and client certificates into
// idmefv2/transport.
package auth
