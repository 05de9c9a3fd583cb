package auth

import (
	"context"
	"log/slog"
)

// Kind says how a principal authenticated.
type Kind string

// Kinds of principal.
const (
	KindSession Kind = "session" // UI session cookie
	KindToken   Kind = "token"   // API token (Bearer, or Basic with the token as password on ingest)
	KindBasic   Kind = "basic"   // HTTP Basic user and password
	KindCert    Kind = "certificate"
)

// Principal is who a request acts as. It holds no secret.
type Principal struct {
	// Name is the user name, or for KindToken the token's name (its
	// Owner is in Owner).
	Name string
	Role Role
	Kind Kind
	// Owner is the user behind a token (empty for others).
	Owner string
	// TokenID is set for KindToken.
	TokenID string
	// Sensor is set for sensor tokens.
	Sensor string

	csrf string // the session's CSRF token (KindSession only)
}

// Can reports whether the principal's role allows a.
func (p Principal) Can(a Action) bool { return Can(p.Role, a) }

// User is the user accountable for the principal's actions: the user
// itself, or a token's owner (for audit trails).
func (p Principal) User() string {
	if p.Kind == KindToken && p.Owner != "" {
		return p.Owner
	}
	return p.Name
}

// CSRFToken is the token a page must send back in the X-CSRF-Token header
// (or csrf_token form field) with unsafe requests; empty unless the
// principal came from a session.
func (p Principal) CSRFToken() string { return p.csrf }

// LogValue logs who, never the CSRF token.
func (p Principal) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("name", p.Name), slog.String("role", string(p.Role)), slog.String("kind", string(p.Kind))}
	if p.TokenID != "" {
		attrs = append(attrs, slog.String("token_id", p.TokenID))
	}
	return slog.GroupValue(attrs...)
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal the middleware put in ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
