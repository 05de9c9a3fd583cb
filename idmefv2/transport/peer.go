package transport

import (
	"log/slog"
	"net"
)

// AuthMethod says how a peer proved its identity.
type AuthMethod string

// The ways a peer can be identified.
const (
	AuthNone   AuthMethod = "none"   // no authentication; the peer is known by its address only
	AuthBearer AuthMethod = "bearer" // an Authorization: Bearer token
	AuthBasic  AuthMethod = "basic"  // HTTP Basic user name and password
	AuthMTLS   AuthMethod = "mtls"   // a verified TLS client certificate
)

// Peer is the identity of the sender of a request, as established by the
// handler's Authenticator (or by the verified client certificate when no
// Authenticator is configured). It holds no secret and is safe to log.
type Peer struct {
	// Name is the authenticated identity: a token's owner, a Basic user
	// name, or the DNS name (else the SHA-256 fingerprint) of a client
	// certificate. Empty for AuthNone.
	Name string
	// Method is how Name was established.
	Method AuthMethod
	// Addr is the remote address of the connection (host:port), as seen
	// by the server. Behind a proxy it is the proxy's address.
	Addr string
}

// Key identifies the peer for per-peer state such as rate limits: the
// authenticated name when there is one, else the remote IP address.
func (p Peer) Key() string {
	if p.Name != "" {
		return "peer:" + p.Name
	}
	host, _, err := net.SplitHostPort(p.Addr)
	if err != nil {
		host = p.Addr
	}
	return "addr:" + host
}

// LogValue implements slog.LogValuer.
func (p Peer) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", p.Name),
		slog.String("method", string(p.Method)),
		slog.String("addr", p.Addr),
	)
}

// Secret is a credential (token or password). It prints and logs as
// "[REDACTED]"; convert it with string(s) where the value is needed.
type Secret string

const redacted = "[REDACTED]"

// String implements fmt.Stringer without revealing the secret.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer without revealing the secret.
func (s Secret) GoString() string { return redacted }

// LogValue implements slog.LogValuer without revealing the secret.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText implements encoding.TextMarshaler without revealing the
// secret, so that structs holding one can be dumped as JSON or YAML.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
