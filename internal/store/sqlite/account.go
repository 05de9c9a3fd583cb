package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

func nsOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// notFound maps sql.ErrNoRows to store.ErrNotFound.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// execOne runs a statement that must touch one row, else ErrNotFound.
func (s *Store) execOne(ctx context.Context, op, what, q string, args ...any) error {
	err := s.writeTx(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return nil
}

// insertUnique runs an INSERT, mapping a constraint violation to ErrConflict.
func (s *Store) insertUnique(ctx context.Context, op, what, q string, args ...any) error {
	err := s.exec(ctx, op, q, args...)
	switch {
	case isConstraint(err):
		return fmt.Errorf("sqlite: %s: %w", what, store.ErrConflict)
	case err != nil:
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return nil
}

// CreateUser implements store.Accounts.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if u.Name == "" || u.Role == "" {
		return fmt.Errorf("sqlite: create user: %w: name and role are required", store.ErrInvalid)
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.now()
	}
	if u.PasswordChangedAt.IsZero() {
		u.PasswordChangedAt = u.CreatedAt
	}
	return s.insertUnique(ctx, "create_user", "create user "+u.Name,
		`INSERT INTO users(name, role, password_hash, disabled, created_ns, updated_ns, password_changed_ns) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.Name, u.Role, u.PasswordHash, boolInt(u.Disabled), u.CreatedAt.UnixNano(), u.CreatedAt.UnixNano(), u.PasswordChangedAt.UnixNano())
}

const userColumns = `name, role, password_hash, disabled, created_ns, updated_ns, password_changed_ns`

func scanUser(r interface{ Scan(...any) error }) (store.User, error) {
	var u store.User
	var created, updated, pwChanged int64
	err := r.Scan(&u.Name, &u.Role, &u.PasswordHash, &u.Disabled, &created, &updated, &pwChanged)
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = unixNS(created), unixNS(updated), unixNS(pwChanged)
	return u, err
}

// User implements store.Accounts.
func (s *Store) User(ctx context.Context, name string) (store.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	if err != nil {
		return store.User{}, notFound(err, "user "+name)
	}
	return u, nil
}

// Users implements store.Accounts.
func (s *Store) Users(ctx context.Context) ([]store.User, error) {
	rs, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: users: %w", err)
	}
	defer rs.Close()
	var out []store.User
	for rs.Next() {
		u, err := scanUser(rs)
		if err != nil {
			return nil, fmt.Errorf("sqlite: users: %w", err)
		}
		out = append(out, u)
	}
	return out, rs.Err()
}

// UpdateUser implements store.Accounts.
func (s *Store) UpdateUser(ctx context.Context, name string, up store.UserUpdate) error {
	if up.Role != nil && *up.Role == "" {
		return fmt.Errorf("sqlite: update user %s: %w: empty role", name, store.ErrInvalid)
	}
	now := s.now()
	var role, hash, disabled, pwChanged any
	if up.Role != nil {
		role = *up.Role
	}
	if up.PasswordHash != nil {
		hash, pwChanged = *up.PasswordHash, now.UnixNano()
	}
	if up.Disabled != nil {
		disabled = boolInt(*up.Disabled)
	}
	if up.PasswordChangedAt != nil {
		pwChanged = up.PasswordChangedAt.UnixNano()
	}
	return s.execOne(ctx, "update_user", "update user "+name,
		`UPDATE users SET role = coalesce(?, role), password_hash = coalesce(?, password_hash),
			disabled = coalesce(?, disabled), password_changed_ns = coalesce(?, password_changed_ns),
			updated_ns = ? WHERE name = ?`,
		role, hash, disabled, pwChanged, now.UnixNano(), name)
}

// DeleteUser implements store.Accounts.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	err := s.writeTx(ctx, "delete_user", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user = ?`, name); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM tokens WHERE owner = ? AND sensor = ''`, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete user %s: %w", name, err)
	}
	return nil
}

// CreateToken implements store.Accounts.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	if t.ID == "" || t.Name == "" || t.Hash == "" || t.Role == "" {
		return fmt.Errorf("sqlite: create token: %w: ID, name, hash and role are required", store.ErrInvalid)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.now()
	}
	// The unique indexes on id, name and hash make a clash fail the insert
	// itself: no check-then-insert race.
	return s.insertUnique(ctx, "create_token", "create token "+t.ID+" ("+t.Name+")",
		`INSERT INTO tokens(id, name, owner, sensor, role, hash, created_ns, used_ns, expires_ns, revoked_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Name, t.Owner, t.Sensor, t.Role, t.Hash, t.CreatedAt.UnixNano(), nsOrZero(t.LastUsed), nsOrZero(t.ExpiresAt), nsOrZero(t.RevokedAt))
}

const tokenColumns = `id, name, owner, sensor, role, hash, created_ns, used_ns, expires_ns, revoked_ns`

func scanToken(r interface{ Scan(...any) error }) (store.Token, error) {
	var t store.Token
	var created, used, expires, revoked int64
	err := r.Scan(&t.ID, &t.Name, &t.Owner, &t.Sensor, &t.Role, &t.Hash, &created, &used, &expires, &revoked)
	t.CreatedAt, t.LastUsed, t.ExpiresAt, t.RevokedAt = unixNS(created), unixNS(used), unixNS(expires), unixNS(revoked)
	return t, err
}

// TokenByHash implements store.Accounts.
func (s *Store) TokenByHash(ctx context.Context, hash string) (store.Token, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`, hash))
	if err != nil {
		return store.Token{}, notFound(err, "token by hash")
	}
	return t, nil
}

// Tokens implements store.Accounts.
func (s *Store) Tokens(ctx context.Context, owner string) ([]store.Token, error) {
	rs, err := s.r.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE ? = '' OR owner = ? ORDER BY created_ns, id`, owner, owner)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tokens: %w", err)
	}
	defer rs.Close()
	var out []store.Token
	for rs.Next() {
		t, err := scanToken(rs)
		if err != nil {
			return nil, fmt.Errorf("sqlite: tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rs.Err()
}

// TouchToken implements store.Accounts.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	return s.execOne(ctx, "touch_token", "touch token "+id, `UPDATE tokens SET used_ns = max(used_ns, ?) WHERE id = ?`, at.UnixNano(), id)
}

// RevokeToken implements store.Accounts.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("sqlite: revoke token %s: %w: zero revocation time", id, store.ErrInvalid)
	}
	return s.execOne(ctx, "revoke_token", "revoke token "+id,
		`UPDATE tokens SET revoked_ns = CASE revoked_ns WHEN 0 THEN ? ELSE revoked_ns END WHERE id = ?`, at.UnixNano(), id)
}

// DeleteToken implements store.Accounts.
func (s *Store) DeleteToken(ctx context.Context, id string) error {
	return s.execOne(ctx, "delete_token", "delete token "+id, `DELETE FROM tokens WHERE id = ?`, id)
}

// CreateSession implements store.Accounts.
func (s *Store) CreateSession(ctx context.Context, se store.Session) error {
	if se.Hash == "" || se.User == "" {
		return fmt.Errorf("sqlite: create session: %w: hash and user are required", store.ErrInvalid)
	}
	if se.CreatedAt.IsZero() {
		se.CreatedAt = s.now()
	}
	if se.LastSeenAt.IsZero() {
		se.LastSeenAt = se.CreatedAt
	}
	return s.insertUnique(ctx, "create_session", "create session for "+se.User,
		`INSERT INTO sessions(hash, user, csrf, created_ns, expires_ns, seen_ns, client_ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		se.Hash, se.User, se.CSRF, se.CreatedAt.UnixNano(), se.ExpiresAt.UnixNano(), se.LastSeenAt.UnixNano(), se.ClientIP, se.UserAgent)
}

// SessionByHash implements store.Accounts.
func (s *Store) SessionByHash(ctx context.Context, hash string) (store.Session, error) {
	var se store.Session
	var created, expires, seen int64
	err := s.r.QueryRowContext(ctx, `SELECT hash, user, csrf, created_ns, expires_ns, seen_ns, client_ip, user_agent FROM sessions WHERE hash = ?`, hash).
		Scan(&se.Hash, &se.User, &se.CSRF, &created, &expires, &seen, &se.ClientIP, &se.UserAgent)
	if err != nil {
		return store.Session{}, notFound(err, "session by hash")
	}
	se.CreatedAt, se.ExpiresAt, se.LastSeenAt = unixNS(created), unixNS(expires), unixNS(seen)
	return se, nil
}

// TouchSession implements store.Accounts.
func (s *Store) TouchSession(ctx context.Context, hash string, at time.Time) error {
	return s.execOne(ctx, "touch_session", "touch session", `UPDATE sessions SET seen_ns = max(seen_ns, ?) WHERE hash = ?`, at.UnixNano(), hash)
}

// DeleteSession implements store.Accounts.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if err := s.exec(ctx, "delete_session", `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions implements store.Accounts.
func (s *Store) DeleteUserSessions(ctx context.Context, user string) (int, error) {
	n, err := s.deleteCount(ctx, "delete_user_sessions", `DELETE FROM sessions WHERE user = ?`, user)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete sessions of %s: %w", user, err)
	}
	return n, nil
}

// DeleteExpiredSessions implements store.Accounts. SQLite serves the OR
// from both indexes (sessions_expires, sessions_seen).
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int, error) {
	n, err := s.deleteCount(ctx, "delete_expired_sessions",
		`DELETE FROM sessions WHERE expires_ns < ? OR seen_ns < ?`, now.UnixNano(), nsOrZero(idleBefore))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return n, nil
}

// deleteCount runs a DELETE and returns how many rows it removed.
func (s *Store) deleteCount(ctx context.Context, op, q string, args ...any) (int, error) {
	var n int64
	err := s.writeTx(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}
