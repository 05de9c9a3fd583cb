package transport

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Errors an Authenticator returns; the handler maps them to status codes.
var (
	// ErrUnauthenticated: credentials are missing or wrong → 401 with
	// WWW-Authenticate.
	ErrUnauthenticated = errors.New("transport: authentication required")
	// ErrForbidden: the peer is known but not allowed to send → 403.
	ErrForbidden = errors.New("transport: peer not allowed")
)

// Authenticator establishes who sent a request. It returns an error
// wrapping ErrUnauthenticated (401), ErrForbidden (403) or ErrUnavailable
// (503, e.g. a token store is down); any other error gives 500. It must be
// safe for concurrent use and must never log credentials.
type Authenticator interface {
	Authenticate(r *http.Request) (Peer, error)
}

// AuthenticatorFunc adapts a function to the Authenticator interface.
type AuthenticatorFunc func(r *http.Request) (Peer, error)

// Authenticate calls f(r).
func (f AuthenticatorFunc) Authenticate(r *http.Request) (Peer, error) { return f(r) }

// Challenger is implemented by Authenticators that know which
// WWW-Authenticate challenges to send with a 401.
type Challenger interface {
	Challenges() []string
}

// TLSPeer returns the identity in the request's verified TLS client
// certificate: its first DNS name, else "sha256:" and its fingerprint. It
// returns false when the connection carries no verified client
// certificate. The common name is never used (the draft forbids CN-IDs).
func TLSPeer(r *http.Request) (Peer, bool) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.PeerCertificates) == 0 {
		return Peer{}, false
	}
	return certPeer(r.TLS.PeerCertificates[0], r.RemoteAddr), true
}

func certPeer(leaf *x509.Certificate, addr string) Peer {
	name := "sha256:" + Fingerprint(leaf)
	if len(leaf.DNSNames) > 0 {
		name = leaf.DNSNames[0]
	}
	return Peer{Name: name, Method: AuthMTLS, Addr: addr}
}

// Fingerprint is the lowercase hex SHA-256 of a certificate's DER bytes,
// the form used in allow-lists.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// StaticAuthOptions configures a StaticAuth. At least one of Tokens,
// Users or ClientCerts must be set.
type StaticAuthOptions struct {
	// Tokens maps a peer name to its bearer token.
	Tokens map[string]Secret
	// Users maps an HTTP Basic user name (the peer name) to its password.
	Users map[string]Secret
	// ClientCerts accepts a verified TLS client certificate as identity
	// when the request has no Authorization header.
	ClientCerts bool
	// Realm is the realm in WWW-Authenticate challenges; default "idmefv2".
	Realm string
}

// StaticAuth authenticates against fixed bearer tokens, Basic users and,
// optionally, verified client certificates. Credentials are kept only as
// SHA-256 digests and compared in constant time.
type StaticAuth struct {
	tokens      map[[sha256.Size]byte]string // digest of token → peer name
	users       map[string][sha256.Size]byte // user → digest of password
	clientCerts bool
	challenges  []string
}

// NewStaticAuth checks the options and builds a StaticAuth.
func NewStaticAuth(opts StaticAuthOptions) (*StaticAuth, error) {
	if len(opts.Tokens) == 0 && len(opts.Users) == 0 && !opts.ClientCerts {
		return nil, errors.New("static auth: no tokens, users or client certificates configured")
	}
	realm := opts.Realm
	if realm == "" {
		realm = "idmefv2"
	}
	if strings.ContainsAny(realm, "\"\\\r\n") {
		return nil, fmt.Errorf("static auth: realm %q contains a quote, backslash or newline", realm)
	}
	a := &StaticAuth{
		tokens:      make(map[[sha256.Size]byte]string, len(opts.Tokens)),
		users:       make(map[string][sha256.Size]byte, len(opts.Users)),
		clientCerts: opts.ClientCerts,
	}
	for name, tok := range opts.Tokens {
		if tok == "" {
			return nil, fmt.Errorf("static auth: empty token for peer %q", name)
		}
		d := sha256.Sum256([]byte(tok))
		if other, dup := a.tokens[d]; dup {
			return nil, fmt.Errorf("static auth: peers %q and %q share a token", other, name)
		}
		a.tokens[d] = name
	}
	for user, pw := range opts.Users {
		if user == "" || strings.Contains(user, ":") {
			return nil, fmt.Errorf("static auth: invalid Basic user name %q (empty or contains ':')", user)
		}
		if pw == "" {
			return nil, fmt.Errorf("static auth: empty password for user %q", user)
		}
		a.users[user] = sha256.Sum256([]byte(pw))
	}
	if len(a.tokens) > 0 {
		a.challenges = append(a.challenges, fmt.Sprintf("Bearer realm=%q", realm))
	}
	if len(a.users) > 0 {
		a.challenges = append(a.challenges, fmt.Sprintf("Basic realm=%q, charset=\"UTF-8\"", realm))
	}
	return a, nil
}

// Challenges implements Challenger.
func (a *StaticAuth) Challenges() []string { return a.challenges }

// Authenticate implements Authenticator.
func (a *StaticAuth) Authenticate(r *http.Request) (Peer, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if a.clientCerts {
			if p, ok := TLSPeer(r); ok {
				return p, nil
			}
		}
		return Peer{}, fmt.Errorf("no credentials: %w", ErrUnauthenticated)
	}
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Bearer") && len(a.tokens) > 0:
		// Looking up the digest leaks nothing usable about the token.
		name, ok := a.tokens[sha256.Sum256([]byte(cred))]
		if !ok {
			return Peer{}, fmt.Errorf("unknown bearer token: %w", ErrUnauthenticated)
		}
		return Peer{Name: name, Method: AuthBearer, Addr: r.RemoteAddr}, nil
	case strings.EqualFold(scheme, "Basic") && len(a.users) > 0:
		user, pw, ok := r.BasicAuth()
		if !ok {
			return Peer{}, fmt.Errorf("malformed Basic credentials: %w", ErrUnauthenticated)
		}
		given := sha256.Sum256([]byte(pw))
		want, known := a.users[user]
		// Compare even for unknown users so timing does not reveal them.
		if subtle.ConstantTimeCompare(given[:], want[:]) != 1 || !known {
			return Peer{}, fmt.Errorf("wrong Basic user or password: %w", ErrUnauthenticated)
		}
		return Peer{Name: user, Method: AuthBasic, Addr: r.RemoteAddr}, nil
	}
	return Peer{}, fmt.Errorf("unsupported authorization scheme %q: %w", scheme, ErrUnauthenticated)
}

// connPeer is the identity of a request when no Authenticator is set: the
// verified client certificate if any, else the bare address.
func connPeer(r *http.Request) Peer {
	if p, ok := TLSPeer(r); ok {
		return p
	}
	return Peer{Method: AuthNone, Addr: r.RemoteAddr}
}
