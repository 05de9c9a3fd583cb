package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Session cookie names. The __Host- prefix (used whenever the cookie is
// Secure) makes browsers refuse it unless it is Secure, host-only and
// Path=/, so a sibling subdomain or a plain-HTTP page cannot plant one.
const (
	CookieNameSecure = "__Host-vigie_session"
	CookieName       = "vigie_session"
)

// LoginRequest is a UI login.
type LoginRequest struct {
	Name      string
	Password  Secret
	ClientIP  string
	UserAgent string
	// Previous is the session ID the browser already had, if any: it is
	// ended, so a login always gets a new ID (no session fixation).
	Previous Secret
}

// LoginResult is a new session.
type LoginResult struct {
	// SessionID goes into the cookie and nowhere else.
	SessionID Secret
	// CSRFToken must accompany unsafe requests of this session.
	CSRFToken string
	ExpiresAt time.Time
	User      User
}

// Login checks the password (with the lockout) and starts a session.
func (s *Service) Login(ctx context.Context, req LoginRequest) (LoginResult, error) {
	u, err := s.CheckPassword(ctx, req.Name, req.Password, req.ClientIP)
	if err != nil {
		return LoginResult{}, err
	}
	if req.Previous != "" {
		if err := s.opts.Sessions.DeleteSession(ctx, hashSecret(req.Previous)); err != nil {
			return LoginResult{}, fmt.Errorf("end previous session: %w", err)
		}
	}
	id := newSessionID()
	now := time.Now().UTC()
	sess := Session{
		Hash: hashSecret(id), User: u.Name, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.opts.SessionLifetime), ClientIP: req.ClientIP, UserAgent: truncate(req.UserAgent, 256),
	}
	if err := s.opts.Sessions.CreateSession(ctx, sess); err != nil {
		return LoginResult{}, fmt.Errorf("create session: %w", err)
	}
	s.log.Info("login", "user", u.Name, "client_ip", req.ClientIP)
	return LoginResult{SessionID: id, CSRFToken: csrfToken(id), ExpiresAt: sess.ExpiresAt, User: u}, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// newSessionID returns 32 random bytes, base64url: 256 bits.
func newSessionID() Secret {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return Secret(base64.RawURLEncoding.EncodeToString(b[:]))
}

// csrfToken derives a session's CSRF token: an HMAC of a fixed label keyed
// by the session ID. Only the server and the holder of the cookie can
// compute it, it changes with every session, and it needs no storage.
func csrfToken(id Secret) string {
	m := hmac.New(sha256.New, []byte(id.Reveal()))
	m.Write([]byte("vigie csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF compares a presented CSRF token in constant time.
func validCSRF(id Secret, presented string) bool {
	return presented != "" && hmac.Equal([]byte(csrfToken(id)), []byte(presented))
}

// AuthenticateSession resolves a session ID to its principal, ending
// sessions past their lifetime or idle timeout (ErrExpired) or of a
// disabled user (ErrDisabled). Every refusal matches ErrInvalidCredentials.
func (s *Service) AuthenticateSession(ctx context.Context, id Secret) (Principal, error) {
	if len(id) != 43 {
		return Principal{}, fmt.Errorf("%w: %w: session ID of wrong length", ErrInvalidCredentials, ErrMalformed)
	}
	h := hashSecret(id)
	sess, err := s.opts.Sessions.SessionByHash(ctx, h)
	if errors.Is(err, ErrNotFound) {
		s.metrics.attempt("session", "invalid")
		return Principal{}, ErrInvalidCredentials
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up session: %w", err)
	}
	now := time.Now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.opts.IdleTimeout {
		s.metrics.attempt("session", "expired")
		if err := s.opts.Sessions.DeleteSession(ctx, h); err != nil {
			return Principal{}, fmt.Errorf("end expired session: %w", err)
		}
		return Principal{}, fmt.Errorf("session of %q: %w: %w", sess.User, ErrInvalidCredentials, ErrExpired)
	}
	u, err := s.opts.Users.UserByName(ctx, sess.User)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Disabled) {
		s.metrics.attempt("session", "disabled")
		if err := s.opts.Sessions.DeleteSession(ctx, h); err != nil {
			return Principal{}, fmt.Errorf("end session: %w", err)
		}
		return Principal{}, fmt.Errorf("session of %q: %w: %w", sess.User, ErrInvalidCredentials, ErrDisabled)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up session user: %w", err)
	}
	if now.Sub(sess.LastSeenAt) >= s.opts.TouchInterval {
		if err := s.opts.Sessions.TouchSession(ctx, h, now.UTC()); err != nil {
			s.log.Debug("session last-seen update failed", "user", sess.User, "err", err)
		}
	}
	s.metrics.attempt("session", "ok")
	// The role is read from the user each time, so a role change applies
	// to open sessions at once.
	return Principal{Name: u.Name, Role: u.Role, Kind: KindSession, csrf: csrfToken(id)}, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, id Secret) error {
	if err := s.opts.Sessions.DeleteSession(ctx, hashSecret(id)); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// PurgeSessions removes expired and idle sessions; call it periodically.
func (s *Service) PurgeSessions(ctx context.Context) (int, error) {
	now := time.Now().UTC()
	n, err := s.opts.Sessions.DeleteExpiredSessions(ctx, now, now.Add(-s.opts.IdleTimeout))
	if err != nil {
		return n, fmt.Errorf("purge sessions: %w", err)
	}
	return n, nil
}

// secureRequest reports whether the session cookie must be Secure.
func (s *Service) secureRequest(r *http.Request) bool {
	switch s.opts.CookieSecure {
	case SecureAlways:
		return true
	case SecureNever:
		return false
	}
	if r.TLS != nil {
		return true
	}
	return s.fromTrustedProxy(r) && r.Header.Get("X-Forwarded-Proto") == "https"
}

// SetSessionCookie writes the cookie of a new session: HttpOnly (no script
// can read it), SameSite=Lax (not sent on cross-site POSTs), Secure and
// __Host- prefixed over HTTPS.
func (s *Service) SetSessionCookie(w http.ResponseWriter, r *http.Request, res LoginResult) {
	secure := s.secureRequest(r)
	name := CookieName
	if secure {
		name = CookieNameSecure
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: res.SessionID.Reveal(), Path: "/",
		Expires: res.ExpiresAt, MaxAge: int(time.Until(res.ExpiresAt).Seconds()),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

// ClearSessionCookie tells the browser to drop the session cookie.
func (s *Service) ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	secure := s.secureRequest(r)
	name := CookieName
	if secure {
		name = CookieNameSecure
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// sessionCookie returns the session ID the request carries, if any.
func sessionCookie(r *http.Request) (Secret, bool) {
	for _, name := range []string{CookieNameSecure, CookieName} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return Secret(c.Value), true
		}
	}
	return "", false
}
