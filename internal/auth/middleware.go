package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// HTTPError is an authentication or authorization failure as the client
// sees it: a status, a stable machine code and a message with no secret.
type HTTPError struct {
	Status  int
	Code    string // unauthenticated, forbidden, csrf, locked, disabled, unavailable, internal
	Message string
	// RetryAfter is sent as Retry-After when positive (429, 503).
	RetryAfter time.Duration
	// Challenges are sent as WWW-Authenticate headers (401).
	Challenges []string
}

func (e *HTTPError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// writeJSONError is the default Options.WriteError.
func writeJSONError(w http.ResponseWriter, _ *http.Request, e *HTTPError) {
	h := w.Header()
	for _, c := range e.Challenges {
		h.Add("WWW-Authenticate", c)
	}
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": e.Message, "code": e.Code})
}

// challenges are the WWW-Authenticate values of a 401 from the API.
func (s *Service) challenges() []string {
	return []string{
		fmt.Sprintf("Bearer realm=%q", s.opts.Realm),
		fmt.Sprintf("Basic realm=%q, charset=\"UTF-8\"", s.opts.Realm),
	}
}

// toHTTPError maps an error of this package to what the client sees.
func (s *Service) toHTTPError(err error) *HTTPError {
	var le *LockedError
	switch {
	case errors.As(err, &le):
		return &HTTPError{Status: http.StatusTooManyRequests, Code: "locked", Message: "too many failed logins; retry later", RetryAfter: le.RetryAfter}
	case errors.Is(err, ErrDisabled):
		return &HTTPError{Status: http.StatusForbidden, Code: "disabled", Message: "account disabled"}
	case errors.Is(err, ErrInvalidCredentials):
		msg := "invalid credentials"
		switch {
		case errors.Is(err, ErrExpired):
			msg = "credentials expired"
		case errors.Is(err, ErrRevoked):
			msg = "token revoked"
		case errors.Is(err, ErrMalformed):
			msg = "malformed credentials"
		}
		return &HTTPError{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: msg, Challenges: s.challenges()}
	case errors.Is(err, ErrBusy), errors.Is(err, context.DeadlineExceeded):
		return &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "authentication busy; retry", RetryAfter: time.Second}
	}
	s.log.Error("authentication failed", "err", err)
	return &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "authentication unavailable", RetryAfter: 5 * time.Second}
}

// Middleware authenticates each request and puts its Principal into the
// request context; a request without credentials passes on anonymous (use
// Require). Credentials are tried in this order:
//
//  1. the session cookie; for unsafe methods (not GET, HEAD, OPTIONS,
//     TRACE) the X-CSRF-Token header, or the csrf_token field of a
//     urlencoded form, must match the session's token, else 403;
//  2. Authorization: Bearer <API token>;
//  3. Authorization: Basic (user and password, under the lockout).
//
// A stale session cookie is cleared and the next credential tried. A
// wrong Authorization header is refused (401) rather than treated as
// anonymous, so a misconfigured script fails loudly.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok, herr := s.identify(w, r)
		if herr != nil {
			s.opts.WriteError(w, r, herr)
			return
		}
		if ok {
			r = r.WithContext(WithPrincipal(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Service) identify(w http.ResponseWriter, r *http.Request) (Principal, bool, *HTTPError) {
	ctx := r.Context()
	if id, ok := sessionCookie(r); ok {
		p, err := s.AuthenticateSession(ctx, id)
		switch {
		case err == nil:
			if unsafeMethod(r.Method) && !validCSRF(id, csrfFromRequest(r)) {
				return Principal{}, false, &HTTPError{Status: http.StatusForbidden, Code: "csrf", Message: "missing or wrong CSRF token (send the session's token in X-CSRF-Token)"}
			}
			return p, true, nil
		case errors.Is(err, ErrInvalidCredentials):
			s.ClearSessionCookie(w, r)
		default:
			return Principal{}, false, s.toHTTPError(err)
		}
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return Principal{}, false, nil
	}
	a, err := parseAuthorization(h)
	if err != nil {
		return Principal{}, false, &HTTPError{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: err.Error(), Challenges: s.challenges()}
	}
	var p Principal
	if a.scheme == "bearer" {
		p, err = s.AuthenticateToken(ctx, a.token)
	} else {
		p, err = s.authenticateBasic(ctx, a.user, a.password, s.ClientIP(r))
	}
	if err != nil {
		return Principal{}, false, s.toHTTPError(err)
	}
	return p, true, nil
}

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

func csrfFromRequest(r *http.Request) string {
	if t := r.Header.Get("X-CSRF-Token"); t != "" {
		return t
	}
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return r.PostFormValue("csrf_token")
	}
	return ""
}

// authenticateBasic checks HTTP Basic credentials, remembering a success
// for BasicCacheTTL (see Options).
func (s *Service) authenticateBasic(ctx context.Context, user string, pw Secret, clientIP string) (Principal, error) {
	n := strings.ToLower(user)
	if u, err := s.opts.Users.UserByName(ctx, n); err == nil && !u.Disabled {
		if s.basic.ok(s.basic.id(n, u.PasswordHash, pw)) {
			s.metrics.attempt("password", "ok")
			return Principal{Name: u.Name, Role: u.Role, Kind: KindBasic}, nil
		}
	}
	u, err := s.CheckPassword(ctx, n, pw, clientIP)
	if err != nil {
		return Principal{}, err
	}
	s.basic.add(s.basic.id(n, u.PasswordHash, pw))
	return Principal{Name: u.Name, Role: u.Role, Kind: KindBasic}, nil
}

// Require returns middleware that lets a request through only when the
// Middleware found a principal (else 401 with WWW-Authenticate) whose role
// allows a (else 403).
func (s *Service) Require(a Action) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := PrincipalFrom(r.Context())
			if !ok {
				s.opts.WriteError(w, r, &HTTPError{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "authentication required", Challenges: s.challenges()})
				return
			}
			if !p.Can(a) {
				s.opts.WriteError(w, r, &HTTPError{Status: http.StatusForbidden, Code: "forbidden", Message: fmt.Sprintf("role %s may not %s", p.Role, a)})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ClientIP is the request's client address: the connection's peer, or,
// when that is a trusted proxy, the right-most X-Forwarded-For entry that
// is not a trusted proxy (entries further left can be forged by anyone).
func (s *Service) ClientIP(r *http.Request) string {
	peer := remoteAddr(r)
	if !s.trusted(peer) {
		return addrString(peer, r.RemoteAddr)
	}
	xff := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(xff) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(xff[i]))
		if err != nil {
			break
		}
		if !s.trusted(a.Unmap()) {
			return a.Unmap().String()
		}
	}
	return addrString(peer, r.RemoteAddr)
}

func (s *Service) fromTrustedProxy(r *http.Request) bool { return s.trusted(remoteAddr(r)) }

func (s *Service) trusted(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func addrString(a netip.Addr, raw string) string {
	if a.IsValid() {
		return a.String()
	}
	return raw
}
