package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// NormalizeName lower-cases a user name and checks it: 1–64 characters of
// [a-z0-9._@-], starting with a letter or digit.
func NormalizeName(name string) (string, error) {
	n := strings.ToLower(name)
	if n == "" || len(n) > 64 {
		return "", fmt.Errorf("user name %q: want 1 to 64 characters", name)
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		ok := (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && strings.IndexByte("._@-", c) >= 0)
		if !ok {
			return "", fmt.Errorf("user name %q: want letters, digits and . _ @ - (not first)", name)
		}
	}
	return n, nil
}

// CreateUser adds a user with a password that meets the policy.
func (s *Service) CreateUser(ctx context.Context, name string, role Role, password Secret) (User, error) {
	n, err := NormalizeName(name)
	if err != nil {
		return User{}, err
	}
	if !role.UserRole() {
		return User{}, fmt.Errorf("user %q: role %q: want admin, analyst or viewer", n, role)
	}
	if err := s.opts.Policy.Check(n, password); err != nil {
		return User{}, err
	}
	h, err := s.hash(ctx, password)
	if err != nil {
		return User{}, err
	}
	now := time.Now().UTC()
	u := User{Name: n, Role: role, PasswordHash: h, CreatedAt: now, PasswordChangedAt: now}
	if err := s.opts.Users.CreateUser(ctx, u); err != nil {
		return User{}, fmt.Errorf("create user %q: %w", n, err)
	}
	s.log.Info("user created", "user", u)
	return u, nil
}

// SetPassword replaces a user's password (an admin reset, or after
// ChangePassword checked the old one) and ends the user's sessions.
func (s *Service) SetPassword(ctx context.Context, name string, password Secret) error {
	return s.updateUser(ctx, name, func(u *User) error {
		if err := s.opts.Policy.Check(u.Name, password); err != nil {
			return err
		}
		h, err := s.hash(ctx, password)
		if err != nil {
			return err
		}
		u.PasswordHash, u.PasswordChangedAt = h, time.Now().UTC()
		return nil
	}, true)
}

// ChangePassword is a user changing their own password: the old one is
// verified first (with the lockout, as for a login).
func (s *Service) ChangePassword(ctx context.Context, name string, old, password Secret, clientIP string) error {
	if _, err := s.CheckPassword(ctx, name, old, clientIP); err != nil {
		return err
	}
	return s.SetPassword(ctx, name, password)
}

// SetRole changes a user's role.
func (s *Service) SetRole(ctx context.Context, name string, role Role) error {
	if !role.UserRole() {
		return fmt.Errorf("user %q: role %q: want admin, analyst or viewer", name, role)
	}
	return s.updateUser(ctx, name, func(u *User) error { u.Role = role; return nil }, false)
}

// SetDisabled disables or enables a user. Disabling ends the user's
// sessions; their tokens stop working while disabled.
func (s *Service) SetDisabled(ctx context.Context, name string, disabled bool) error {
	return s.updateUser(ctx, name, func(u *User) error { u.Disabled = disabled; return nil }, disabled)
}

func (s *Service) updateUser(ctx context.Context, name string, change func(*User) error, endSessions bool) error {
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	u, err := s.opts.Users.UserByName(ctx, n)
	if err != nil {
		return fmt.Errorf("user %q: %w", n, err)
	}
	if err := change(&u); err != nil {
		return err
	}
	if err := s.opts.Users.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("update user %q: %w", n, err)
	}
	if endSessions {
		if _, err := s.opts.Sessions.DeleteUserSessions(ctx, n); err != nil {
			return fmt.Errorf("end sessions of %q: %w", n, err)
		}
	}
	return nil
}

// CheckPassword verifies a user's password, under the lockout: it is what
// a login and HTTP Basic do. Unknown users and wrong passwords both give
// ErrInvalidCredentials, after the same argon2 work. A correct password of
// a disabled user gives ErrDisabled. A hash made with other parameters is
// upgraded on success.
func (s *Service) CheckPassword(ctx context.Context, name string, password Secret, clientIP string) (User, error) {
	n := strings.ToLower(name)
	key := n + "\x00" + clientIP
	if wait := s.lockout.locked(key); wait > 0 {
		s.metrics.attempt("password", "locked")
		return User{}, &LockedError{RetryAfter: wait}
	}
	u, err := s.opts.Users.UserByName(ctx, n)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, fmt.Errorf("look up user: %w", err)
	}
	encoded := u.PasswordHash
	if !found {
		if encoded, err = s.dummyHash(); err != nil {
			return User{}, err
		}
	}
	var ok bool
	var verr error
	if err := s.withHashSlot(ctx, func() { ok, verr = verifyPassword(password, encoded) }); err != nil {
		return User{}, err
	}
	if verr != nil {
		return User{}, fmt.Errorf("user %q: stored password hash is unusable: %w", n, verr)
	}
	if !found || !ok {
		if s.lockout.fail(key) {
			s.metrics.lockouts.Inc()
			s.log.Warn("login locked out", "user", n, "client_ip", clientIP)
		}
		s.metrics.attempt("password", "invalid")
		return User{}, ErrInvalidCredentials
	}
	s.lockout.reset(key)
	if u.Disabled {
		s.metrics.attempt("password", "disabled")
		return User{}, ErrDisabled
	}
	s.metrics.attempt("password", "ok")
	if needsRehash(u.PasswordHash, s.opts.Argon2) {
		s.rehash(ctx, u, password)
	}
	return u, nil
}

// rehash upgrades a user's stored hash to the current parameters. A
// failure only delays the upgrade to the next login, so it is logged, not
// returned.
func (s *Service) rehash(ctx context.Context, u User, password Secret) {
	h, err := s.hash(ctx, password)
	if err == nil {
		u.PasswordHash = h
		err = s.opts.Users.UpdateUser(ctx, u)
	}
	if err != nil {
		s.log.Warn("password hash upgrade failed", "user", u.Name, "err", err)
	}
}

// AdminPasswordEnv is the variable the caller of Bootstrap reads the first
// admin password from.
const AdminPasswordEnv = "VIGIE_ADMIN_PASSWORD"

// BootstrapOptions configures Bootstrap.
type BootstrapOptions struct {
	// Name of the first admin; default "admin".
	Name string
	// Password, e.g. from VIGIE_ADMIN_PASSWORD; empty: generate one.
	Password Secret
}

// BootstrapResult says what Bootstrap did.
type BootstrapResult struct {
	// Created is false when an admin already existed (nothing changed,
	// even if a password was given).
	Created bool
	Name    string
	// Password is the generated password, to be shown once; empty when
	// it was given (the caller must not echo a given password).
	Password Secret
}

// Bootstrap makes sure an admin exists: when no user has the admin role,
// it creates one with the given password (which must meet the policy) or a
// generated one.
func (s *Service) Bootstrap(ctx context.Context, opts BootstrapOptions) (BootstrapResult, error) {
	users, err := s.opts.Users.ListUsers(ctx)
	if err != nil {
		return BootstrapResult{}, fmt.Errorf("bootstrap: list users: %w", err)
	}
	for _, u := range users {
		if u.Role == RoleAdmin {
			return BootstrapResult{Name: u.Name}, nil
		}
	}
	name := opts.Name
	if name == "" {
		name = "admin"
	}
	pw, generated := opts.Password, Secret("")
	if pw == "" {
		pw = GeneratePassword()
		generated = pw
	}
	u, err := s.CreateUser(ctx, name, RoleAdmin, pw)
	if err != nil {
		if errors.Is(err, ErrWeakPassword) && opts.Password != "" {
			return BootstrapResult{}, fmt.Errorf("bootstrap: %s: %w", AdminPasswordEnv, err)
		}
		return BootstrapResult{}, fmt.Errorf("bootstrap: %w", err)
	}
	return BootstrapResult{Created: true, Name: u.Name, Password: generated}, nil
}
