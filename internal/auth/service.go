package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// CookieSecure says when the session cookie gets the Secure attribute.
type CookieSecure string

// CookieSecure modes.
const (
	// SecureAuto: when the request came over TLS, directly or through a
	// trusted proxy that says https (X-Forwarded-Proto).
	SecureAuto   CookieSecure = "auto"
	SecureAlways CookieSecure = "always"
	SecureNever  CookieSecure = "never"
)

// Options configures a Service. The three stores are required; every
// other zero value means the default stated.
type Options struct {
	Users    UserStore
	Tokens   TokenStore
	Sessions SessionStore

	// Argon2 are the parameters of new password hashes; default
	// DefaultParams().
	Argon2 Params
	// Policy for new passwords; default minimum length 12.
	Policy Policy
	// MaxConcurrentHashes bounds simultaneous argon2 computations (each
	// takes Argon2.Memory), so a login flood cannot exhaust memory;
	// default GOMAXPROCS. Excess logins wait for a slot.
	MaxConcurrentHashes int
	// BasicCacheTTL: a successful HTTP Basic verification is remembered
	// this long (keyed by an HMAC of user, stored hash and password with a
	// per-process key), so that scripts using Basic on every request do
	// not pay argon2 each time; default 1m, negative disables.
	BasicCacheTTL time.Duration

	// SessionLifetime is the absolute session lifetime; default 12h.
	SessionLifetime time.Duration
	// IdleTimeout ends sessions unused that long; default 1h.
	IdleTimeout time.Duration
	// CookieSecure; default SecureAuto.
	CookieSecure CookieSecure
	// TrustedProxies may set X-Forwarded-For and X-Forwarded-Proto.
	TrustedProxies []netip.Prefix

	// Lockout limits failed logins per user and client address.
	Lockout LockoutOptions

	// TokenMaxLifetime caps new tokens' lifetime; 0: no cap.
	TokenMaxLifetime time.Duration
	// TouchInterval throttles LastUsedAt/LastSeenAt writes; default 1m.
	TouchInterval time.Duration

	// Realm of WWW-Authenticate challenges; default "vigie".
	Realm string
	// WriteError renders authentication errors (401/403/429/5xx) for the
	// middleware and handlers; default writes {"error": …, "code": …}.
	WriteError func(w http.ResponseWriter, r *http.Request, e *HTTPError)

	// Logger for security events (no secrets); nil discards.
	Logger *slog.Logger
	// Registerer receives the metrics; nil: none.
	Registerer prometheus.Registerer
}

// Service implements users, API tokens and sessions over the stores, and
// the HTTP middleware that authenticates requests. Safe for concurrent use.
type Service struct {
	opts     Options
	log      *slog.Logger
	hashSem  chan struct{}
	lockout  *lockout
	basic    *basicCache
	metrics  *metrics
	dummyMu  sync.Once
	dummy    string // a hash to verify against for unknown users
	dummyErr error
}

// New checks the options and builds a Service.
func New(opts Options) (*Service, error) {
	if opts.Users == nil || opts.Tokens == nil || opts.Sessions == nil {
		return nil, errors.New("auth: Users, Tokens and Sessions stores are required")
	}
	if opts.Argon2 == (Params{}) {
		opts.Argon2 = DefaultParams()
	}
	if err := opts.Argon2.Validate(); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if opts.Policy.MinLength == 0 {
		opts.Policy.MinLength = 12
	}
	if opts.Policy.MinLength < 8 {
		return nil, fmt.Errorf("auth: password minimum length %d is below 8", opts.Policy.MinLength)
	}
	defaultDur(&opts.SessionLifetime, 12*time.Hour)
	defaultDur(&opts.IdleTimeout, time.Hour)
	defaultDur(&opts.TouchInterval, time.Minute)
	defaultDur(&opts.BasicCacheTTL, time.Minute)
	if opts.IdleTimeout > opts.SessionLifetime {
		return nil, errors.New("auth: IdleTimeout exceeds SessionLifetime")
	}
	switch opts.CookieSecure {
	case "":
		opts.CookieSecure = SecureAuto
	case SecureAuto, SecureAlways, SecureNever:
	default:
		return nil, fmt.Errorf("auth: CookieSecure %q: want auto, always or never", opts.CookieSecure)
	}
	if opts.MaxConcurrentHashes <= 0 {
		opts.MaxConcurrentHashes = runtime.GOMAXPROCS(0)
	}
	if opts.Realm == "" {
		opts.Realm = "vigie"
	}
	if opts.WriteError == nil {
		opts.WriteError = writeJSONError
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	lo, err := newLockout(opts.Lockout)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &Service{
		opts:    opts,
		log:     logger,
		hashSem: make(chan struct{}, opts.MaxConcurrentHashes),
		lockout: lo,
		basic:   newBasicCache(key, opts.BasicCacheTTL, 1024),
		metrics: m,
	}, nil
}

func defaultDur(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

// withHashSlot runs f while holding one of the argon2 slots.
func (s *Service) withHashSlot(ctx context.Context, f func()) error {
	select {
	case s.hashSem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrBusy, ctx.Err())
	}
	defer func() { <-s.hashSem }()
	f()
	return nil
}

// hash hashes a new password under the hash-slot limit.
func (s *Service) hash(ctx context.Context, pw Secret) (string, error) {
	var out string
	var err error
	if serr := s.withHashSlot(ctx, func() { out, err = hashPassword(pw, s.opts.Argon2) }); serr != nil {
		return "", serr
	}
	return out, err
}

// dummyHash is a hash of a random password with the current parameters:
// verifying an unknown user's password against it costs the same time as
// for a real user, so timing does not reveal which names exist.
func (s *Service) dummyHash() (string, error) {
	s.dummyMu.Do(func() { s.dummy, s.dummyErr = hashPassword(GeneratePassword(), s.opts.Argon2) })
	return s.dummy, s.dummyErr
}
