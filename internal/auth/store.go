package auth

import (
	"context"
	"log/slog"
	"time"
)

// User is an account of the UI and API.
type User struct {
	// Name is the login name: lower case, 1–64 of [a-z0-9._@-], starting
	// with a letter or digit. It is the key.
	Name string
	Role Role
	// PasswordHash is an argon2id PHC string. It never leaves the server.
	PasswordHash string
	// Disabled users cannot log in; their sessions and tokens stop working.
	Disabled  bool
	CreatedAt time.Time
	// PasswordChangedAt is when PasswordHash last changed.
	PasswordChangedAt time.Time
}

// LogValue leaves the password hash out of logs.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", u.Name), slog.String("role", string(u.Role)), slog.Bool("disabled", u.Disabled))
}

// Token is an API token as stored: its hash, never the token itself.
type Token struct {
	// ID identifies the token in listings and for revocation: 16 hex
	// characters, random, not derived from the secret.
	ID string
	// Name is a human label ("ci-import", "suricata-dmz"); unique.
	Name string
	Hash TokenHash
	Role Role
	// Sensor is set for RoleSensor tokens: the sensor's name, which is the
	// ingest peer identity.
	Sensor string
	// Owner is the user who created it.
	Owner     string
	CreatedAt time.Time
	// ExpiresAt zero: never.
	ExpiresAt  time.Time
	LastUsedAt time.Time
	// RevokedAt zero: not revoked.
	RevokedAt time.Time
}

// LogValue leaves the hash out of logs.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", t.ID), slog.String("name", t.Name), slog.String("role", string(t.Role)), slog.String("sensor", t.Sensor))
}

// Session is a UI login as stored: the hash of its ID, never the ID.
type Session struct {
	Hash       TokenHash
	User       string
	CreatedAt  time.Time
	ExpiresAt  time.Time // absolute end
	LastSeenAt time.Time // for the idle timeout
	// ClientIP and UserAgent at login, for the user's session list.
	ClientIP  string
	UserAgent string
}

// LogValue leaves the hash out of logs.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", s.User), slog.Time("expires", s.ExpiresAt))
}

// UserStore keeps users. Implementations must be safe for concurrent use,
// return an error wrapping ErrNotFound for a missing user and ErrExists
// for a duplicate name, and store the fields as given.
type UserStore interface {
	// UserByName returns the user with that exact name.
	UserByName(ctx context.Context, name string) (User, error)
	// CreateUser adds u; ErrExists if the name is taken.
	CreateUser(ctx context.Context, u User) error
	// UpdateUser replaces the user named u.Name; ErrNotFound if absent.
	UpdateUser(ctx context.Context, u User) error
	// ListUsers returns every user, in any order.
	ListUsers(ctx context.Context) ([]User, error)
}

// TokenStore keeps API tokens by hash. Safe for concurrent use; errors as
// for UserStore.
type TokenStore interface {
	// CreateToken adds t; ErrExists if its ID, Name or Hash is taken.
	CreateToken(ctx context.Context, t Token) error
	// TokenByHash returns the token whose Hash equals h (an indexed,
	// exact lookup); ErrNotFound if none.
	TokenByHash(ctx context.Context, h TokenHash) (Token, error)
	// ListTokens returns every token, revoked ones included.
	ListTokens(ctx context.Context) ([]Token, error)
	// RevokeToken sets RevokedAt of token id (if not already set);
	// ErrNotFound if absent.
	RevokeToken(ctx context.Context, id string, at time.Time) error
	// TouchToken sets LastUsedAt of token id. Called at most once per
	// Options.TouchInterval per token.
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// SessionStore keeps UI sessions by hash. Safe for concurrent use; errors
// as for UserStore.
type SessionStore interface {
	CreateSession(ctx context.Context, s Session) error
	// SessionByHash returns the session whose Hash equals h.
	SessionByHash(ctx context.Context, h TokenHash) (Session, error)
	// TouchSession sets LastSeenAt. Called at most once per
	// Options.TouchInterval per session.
	TouchSession(ctx context.Context, h TokenHash, at time.Time) error
	// DeleteSession removes one session; no error if it is absent.
	DeleteSession(ctx context.Context, h TokenHash) error
	// DeleteUserSessions removes every session of a user (password
	// change, disabling); returns how many.
	DeleteUserSessions(ctx context.Context, user string) (int, error)
	// DeleteExpiredSessions removes sessions whose ExpiresAt is before t
	// or whose LastSeenAt is before idleBefore; returns how many.
	DeleteExpiredSessions(ctx context.Context, t, idleBefore time.Time) (int, error)
}
