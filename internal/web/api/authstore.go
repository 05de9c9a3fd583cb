package api

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// AuthStore lets the auth layer keep its users, tokens and sessions in a
// store.Accounts: it implements auth.UserStore, auth.TokenStore and
// auth.SessionStore. The two sides were designed apart; what the store
// does not keep is rebuilt as follows (see docs/API.md, "Accounts"):
//
//   - A user's PasswordChangedAt is the store's UpdatedAt.
//   - A sensor token's sensor name is kept as the store token's Owner (the
//     store's meaning of Owner for sensor tokens), so the admin who made it
//     is not kept. RevokedAt of a revoked token reads as its CreatedAt.
//   - A session's idle deadline is folded into the store's ExpiresAt
//     (the earlier of the absolute end and last use + IdleTimeout), from
//     which LastSeenAt is read back; so the store's own expiry and pruning
//     enforce both limits.
//   - The store cannot list a user's sessions, so DeleteUserSessions does
//     nothing; instead a session started before its user's last update
//     (password, role or disabled flag) reads as absent.
type AuthStore struct {
	accounts store.Accounts
	lifetime time.Duration
	idle     time.Duration
}

// Compile-time checks.
var (
	_ auth.UserStore    = (*AuthStore)(nil)
	_ auth.TokenStore   = (*AuthStore)(nil)
	_ auth.SessionStore = (*AuthStore)(nil)
)

// AuthStoreOptions configures NewAuthStore. Use the same session lifetime
// and idle timeout as auth.Options; zero means the auth defaults (12h, 1h).
type AuthStoreOptions struct {
	SessionLifetime time.Duration
	IdleTimeout     time.Duration
}

// NewAuthStore adapts accounts for the auth layer.
func NewAuthStore(accounts store.Accounts, opts AuthStoreOptions) (*AuthStore, error) {
	if accounts == nil {
		return nil, errors.New("api: auth store: accounts are required")
	}
	if opts.SessionLifetime <= 0 {
		opts.SessionLifetime = 12 * time.Hour
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = time.Hour
	}
	return &AuthStore{accounts: accounts, lifetime: opts.SessionLifetime, idle: opts.IdleTimeout}, nil
}

// authErr makes the store's sentinels match the auth layer's too.
func authErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: %w", auth.ErrNotFound, err)
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("%w: %w", auth.ErrExists, err)
	}
	return err
}

func userFromStore(u store.User) auth.User {
	return auth.User{
		Name: u.Name, Role: auth.Role(u.Role), PasswordHash: u.PasswordHash, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt, PasswordChangedAt: u.UpdatedAt,
	}
}

// UserByName implements auth.UserStore.
func (s *AuthStore) UserByName(ctx context.Context, name string) (auth.User, error) {
	u, err := s.accounts.User(ctx, name)
	if err != nil {
		return auth.User{}, authErr(err)
	}
	return userFromStore(u), nil
}

// CreateUser implements auth.UserStore.
func (s *AuthStore) CreateUser(ctx context.Context, u auth.User) error {
	return authErr(s.accounts.CreateUser(ctx, store.User{
		Name: u.Name, Role: string(u.Role), PasswordHash: u.PasswordHash, Disabled: u.Disabled, CreatedAt: u.CreatedAt,
	}))
}

// UpdateUser implements auth.UserStore.
func (s *AuthStore) UpdateUser(ctx context.Context, u auth.User) error {
	role := string(u.Role)
	return authErr(s.accounts.UpdateUser(ctx, u.Name, store.UserUpdate{Role: &role, PasswordHash: &u.PasswordHash, Disabled: &u.Disabled}))
}

// ListUsers implements auth.UserStore.
func (s *AuthStore) ListUsers(ctx context.Context) ([]auth.User, error) {
	us, err := s.accounts.Users(ctx)
	if err != nil {
		return nil, authErr(err)
	}
	out := make([]auth.User, 0, len(us))
	for _, u := range us {
		out = append(out, userFromStore(u))
	}
	return out, nil
}

func hashString(h auth.TokenHash) string { return hex.EncodeToString(h[:]) }

func tokenFromStore(t store.Token) auth.Token {
	out := auth.Token{
		ID: t.ID, Name: t.Name, Role: auth.Role(t.Role), Owner: t.Owner,
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsed,
	}
	if b, err := hex.DecodeString(t.Hash); err == nil && len(b) == len(out.Hash) {
		copy(out.Hash[:], b)
	}
	if out.Role == auth.RoleSensor {
		out.Sensor, out.Owner = t.Owner, ""
	}
	if t.Revoked {
		out.RevokedAt = t.CreatedAt
	}
	return out
}

// CreateToken implements auth.TokenStore. Names are unique, as the auth
// layer expects; the check and the insert are not atomic, which only
// matters for two admins naming two tokens alike in the same instant.
func (s *AuthStore) CreateToken(ctx context.Context, t auth.Token) error {
	ts, err := s.accounts.Tokens(ctx, "")
	if err != nil {
		return authErr(err)
	}
	for _, o := range ts {
		if o.Name == t.Name {
			return fmt.Errorf("token name %q: %w", t.Name, auth.ErrExists)
		}
	}
	owner := t.Owner
	if t.Role == auth.RoleSensor {
		owner = t.Sensor
	}
	return authErr(s.accounts.CreateToken(ctx, store.Token{
		ID: t.ID, Name: t.Name, Owner: owner, Role: string(t.Role), Hash: hashString(t.Hash),
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, Revoked: !t.RevokedAt.IsZero(),
	}))
}

// TokenByHash implements auth.TokenStore.
func (s *AuthStore) TokenByHash(ctx context.Context, h auth.TokenHash) (auth.Token, error) {
	t, err := s.accounts.TokenByHash(ctx, hashString(h))
	if err != nil {
		return auth.Token{}, authErr(err)
	}
	return tokenFromStore(t), nil
}

// ListTokens implements auth.TokenStore.
func (s *AuthStore) ListTokens(ctx context.Context) ([]auth.Token, error) {
	ts, err := s.accounts.Tokens(ctx, "")
	if err != nil {
		return nil, authErr(err)
	}
	out := make([]auth.Token, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenFromStore(t))
	}
	return out, nil
}

// RevokeToken implements auth.TokenStore.
func (s *AuthStore) RevokeToken(ctx context.Context, id string, _ time.Time) error {
	return authErr(s.accounts.RevokeToken(ctx, id))
}

// TouchToken implements auth.TokenStore.
func (s *AuthStore) TouchToken(ctx context.Context, id string, at time.Time) error {
	return authErr(s.accounts.TouchToken(ctx, id, at))
}

// storeExpiry folds the idle deadline into one expiry.
func (s *AuthStore) storeExpiry(created, lastSeen time.Time) time.Time {
	abs, idle := created.Add(s.lifetime), lastSeen.Add(s.idle)
	if idle.Before(abs) {
		return idle
	}
	return abs
}

// CreateSession implements auth.SessionStore.
func (s *AuthStore) CreateSession(ctx context.Context, se auth.Session) error {
	return authErr(s.accounts.CreateSession(ctx, store.Session{
		Hash: hashString(se.Hash), User: se.User, CreatedAt: se.CreatedAt,
		ExpiresAt: s.storeExpiry(se.CreatedAt, se.LastSeenAt),
	}))
}

// SessionByHash implements auth.SessionStore.
func (s *AuthStore) SessionByHash(ctx context.Context, h auth.TokenHash) (auth.Session, error) {
	se, err := s.accounts.SessionByHash(ctx, hashString(h))
	if err != nil {
		return auth.Session{}, authErr(err)
	}
	u, err := s.accounts.User(ctx, se.User)
	if err == nil && se.CreatedAt.Before(u.UpdatedAt) {
		return auth.Session{}, fmt.Errorf("session of %q predates the user's last change: %w", se.User, auth.ErrNotFound)
	}
	return auth.Session{
		Hash: h, User: se.User, CreatedAt: se.CreatedAt,
		ExpiresAt:  se.CreatedAt.Add(s.lifetime),
		LastSeenAt: se.ExpiresAt.Add(-s.idle),
	}, nil
}

// TouchSession implements auth.SessionStore.
func (s *AuthStore) TouchSession(ctx context.Context, h auth.TokenHash, at time.Time) error {
	se, err := s.accounts.SessionByHash(ctx, hashString(h))
	if err != nil {
		return authErr(err)
	}
	return authErr(s.accounts.ExtendSession(ctx, se.Hash, s.storeExpiry(se.CreatedAt, at)))
}

// DeleteSession implements auth.SessionStore.
func (s *AuthStore) DeleteSession(ctx context.Context, h auth.TokenHash) error {
	return authErr(s.accounts.DeleteSession(ctx, hashString(h)))
}

// DeleteUserSessions implements auth.SessionStore. The store cannot find a
// user's sessions; SessionByHash refuses those older than the user's last
// change instead, which is what the auth layer needs this call for.
func (s *AuthStore) DeleteUserSessions(context.Context, string) (int, error) { return 0, nil }

// DeleteExpiredSessions implements auth.SessionStore: the store's expiry
// already includes the idle deadline.
func (s *AuthStore) DeleteExpiredSessions(ctx context.Context, t, _ time.Time) (int, error) {
	n, err := s.accounts.PruneSessions(ctx, t)
	return n, authErr(err)
}
