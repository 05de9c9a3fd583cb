package store

import (
	"context"
	"log/slog"
	"time"
)

// The store keeps only what the auth layer gives it: password hashes, token
// hashes and session-ID hashes are opaque strings, computed by the caller.
// Roles are strings the auth layer defines (admin, analyst, viewer).

// User is an account.
type User struct {
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// PasswordChangedAt is when PasswordHash was last set; CreatedAt if
	// left zero at creation.
	PasswordChangedAt time.Time `json:"password_changed_at"`
}

// LogValue keeps the password hash out of logs.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", u.Name), slog.String("role", u.Role), slog.Bool("disabled", u.Disabled))
}

// UserUpdate changes the set fields of a user.
type UserUpdate struct {
	Role         *string
	PasswordHash *string
	Disabled     *bool
	// PasswordChangedAt, if set, is stored as given; if not, setting
	// PasswordHash sets it to the store's clock.
	PasswordChangedAt *time.Time
}

// Token is an API token for scripts and sensors.
type Token struct {
	ID    string `json:"id"`    // public identifier, e.g. shown in lists and logs
	Name  string `json:"name"`  // human label; unique, required
	Owner string `json:"owner"` // the user who created it
	// Sensor is the sensor a sensor token authenticates; "" for others.
	Sensor    string    `json:"sensor,omitempty"`
	Role      string    `json:"role"` // e.g. "sensor", "analyst"
	Hash      string    `json:"-"`    // hash of the secret; unique
	CreatedAt time.Time `json:"created_at"`
	LastUsed  time.Time `json:"last_used,omitzero"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // zero: never
	RevokedAt time.Time `json:"revoked_at,omitzero"` // zero: not revoked
}

// Revoked reports whether the token has been revoked.
func (t Token) Revoked() bool { return !t.RevokedAt.IsZero() }

// LogValue keeps the hash out of logs.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", t.ID), slog.String("name", t.Name), slog.String("owner", t.Owner), slog.String("sensor", t.Sensor))
}

// Session is a UI session.
type Session struct {
	Hash      string    `json:"-"` // hash of the session ID; unique
	User      string    `json:"user"`
	CSRF      string    `json:"-"` // CSRF secret
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"` // absolute end
	// LastSeenAt is the last use, for the idle timeout; CreatedAt if left
	// zero at creation.
	LastSeenAt time.Time `json:"last_seen_at"`
	// ClientIP and UserAgent are those of the login.
	ClientIP  string `json:"client_ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
}

// LogValue keeps the hash and CSRF secret out of logs.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", s.User), slog.Time("expires_at", s.ExpiresAt))
}

// Accounts stores users, API tokens and sessions. Lookups by token hash and
// session hash are indexed: they run on every authenticated request.
type Accounts interface {
	// CreateUser adds a user; ErrConflict if the name is taken.
	CreateUser(ctx context.Context, u User) error
	// User returns a user by name, or ErrNotFound.
	User(ctx context.Context, name string) (User, error)
	// Users lists users by name.
	Users(ctx context.Context) ([]User, error)
	// UpdateUser changes the set fields; ErrNotFound if unknown.
	UpdateUser(ctx context.Context, name string, up UserUpdate) error
	// DeleteUser deletes a user, its sessions and the tokens it owns,
	// except sensor tokens: those authenticate a sensor, not the user, and
	// outlive the admin who created them.
	DeleteUser(ctx context.Context, name string) error

	// CreateToken adds a token; ErrConflict if its ID, name or hash
	// exists (checked by the insert itself, so two racing creations cannot
	// both succeed).
	CreateToken(ctx context.Context, t Token) error
	// TokenByHash returns the token with this hash, revoked or expired
	// ones included (the caller decides), or ErrNotFound.
	TokenByHash(ctx context.Context, hash string) (Token, error)
	// Tokens lists tokens, revoked ones included, of one owner unless
	// owner is "".
	Tokens(ctx context.Context, owner string) ([]Token, error)
	// TouchToken records a use. It is a write: callers throttle it (once a
	// minute per token is plenty).
	TouchToken(ctx context.Context, id string, at time.Time) error
	// RevokeToken sets a token's RevokedAt to at unless it is already
	// revoked (the first revocation time stays); ErrNotFound if unknown.
	RevokeToken(ctx context.Context, id string, at time.Time) error
	// DeleteToken deletes a token; ErrNotFound if unknown.
	DeleteToken(ctx context.Context, id string) error

	// CreateSession adds a session; ErrConflict if its hash exists.
	CreateSession(ctx context.Context, s Session) error
	// SessionByHash returns a session, expired ones included, or ErrNotFound.
	SessionByHash(ctx context.Context, hash string) (Session, error)
	// TouchSession records a use: LastSeenAt becomes at (it never moves
	// back); ErrNotFound if unknown. A write: callers throttle it.
	TouchSession(ctx context.Context, hash string, at time.Time) error
	// DeleteSession deletes a session (log out); unknown hashes are ignored.
	DeleteSession(ctx context.Context, hash string) error
	// DeleteUserSessions deletes every session of a user (password change,
	// disabling) and returns how many.
	DeleteUserSessions(ctx context.Context, user string) (int, error)
	// DeleteExpiredSessions deletes sessions whose ExpiresAt is before now
	// or whose LastSeenAt is before idleBefore (zero: no idle limit), and
	// returns how many.
	DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int, error)
}
