package securitytrails

import (
	"errors"
	"log/slog"
	"unicode"
)

// ErrKeyNotSendable reports an API key that cannot be sent as an HTTP
// header value.
var ErrKeyNotSendable = errors.New("securitytrails: API key cannot be sent as a header value")

// APIKey is a SecurityTrails API key, ready to be sent as the APIKEY
// header. Its zero value sends no header at all. It never prints: both
// String and LogValue are redacted.
type APIKey struct {
	header string // latin-1 bytes of the key
	set    bool
}

// NewAPIKey checks that key can be sent as a header value the way the
// original relay (Python requests) sends it (SPEC §3.5): every character
// must be Latin-1, the first must not be whitespace, and CR, LF and other
// control characters (except tab) are refused. An empty key is sent as an
// empty header. Characters U+0080–U+00FF are sent as single bytes.
func NewAPIKey(key string) (APIKey, error) {
	b := make([]byte, 0, len(key))
	for i, r := range key {
		switch {
		case r > 0xff:
			return APIKey{}, ErrKeyNotSendable
		case i == 0 && isPySpace(r):
			return APIKey{}, ErrKeyNotSendable
		case r < 0x20 && r != '\t', r == 0x7f:
			// CR and LF can split the header; Go refuses the other
			// control characters too.
			return APIKey{}, ErrKeyNotSendable
		}
		b = append(b, byte(r))
	}
	return APIKey{header: string(b), set: true}, nil
}

// isPySpace reports whether Python's \s matches r (for r ≤ U+00FF).
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// IsSet reports whether the key is sent at all.
func (k APIKey) IsSet() bool { return k.set }

// String implements fmt.Stringer without revealing the key.
func (APIKey) String() string { return "[REDACTED]" }

// GoString keeps the key out of %#v output.
func (APIKey) GoString() string { return "securitytrails.APIKey{[REDACTED]}" }

// LogValue implements slog.LogValuer without revealing the key.
func (APIKey) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }
