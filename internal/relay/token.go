package relay

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"math/big"
	"strings"
	"unicode"
)

// Token is a bearer token as received. It never appears in logs: its
// LogValue is redacted.
type Token string

// LogValue implements slog.LogValuer.
func (Token) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }

// String keeps the token out of fmt output too.
func (Token) String() string { return "[REDACTED]" }

// errMalformed is returned for any token that does not decode as three
// base64url segments with JSON object header and payload.
var errMalformed = errors.New("malformed JWT")

// unverifiedJWT is a JWS compact token split and decoded, not verified.
type unverifiedJWT struct {
	header       map[string]any
	payload      Claims
	signingInput string
	signature    []byte
}

// maxTokenLen bounds the work a hostile header can cause.
const maxTokenLen = 64 << 10

// parseUnverified splits and decodes a compact JWS (SPEC §3.1 step 4).
// It is stricter than PyJWT, which ignores stray characters in base64: a
// segment must be base64url (padding tolerated) and there must be exactly
// three segments.
func parseUnverified(tok string) (*unverifiedJWT, error) {
	if len(tok) > maxTokenLen {
		return nil, errMalformed
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errMalformed
	}
	var segs [3][]byte
	for i, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(p, "="))
		if err != nil {
			return nil, errMalformed
		}
		segs[i] = b
	}
	var header map[string]any
	if err := decodeObject(segs[0], &header); err != nil {
		return nil, errMalformed
	}
	var payload map[string]any
	if err := decodeObject(segs[1], &payload); err != nil {
		return nil, errMalformed
	}
	return &unverifiedJWT{
		header:       header,
		payload:      payload,
		signingInput: parts[0] + "." + parts[1],
		signature:    segs[2],
	}, nil
}

// decodeObject decodes exactly one JSON object, keeping numbers exact.
func decodeObject(b []byte, v *map[string]any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if *v == nil {
		return errMalformed // JSON null
	}
	if _, err := dec.Token(); err == nil {
		return errMalformed // trailing data
	}
	return nil
}

// Claims is a verified JWT payload. Numbers are json.Number.
type Claims map[string]any

// pyIntResult classifies what Python's int(value) does with a claim.
type pyIntResult int

const (
	pyIntOK       pyIntResult = iota
	pyIntValueErr             // a string that is not an integer literal
	pyIntTypeErr              // null, list or object
)

// PyInt converts a JSON value the way Python's int() does: integers as
// they are, floats truncated toward zero, booleans as 0/1 and strings
// holding an integer literal (surrounding whitespace, a sign and single
// underscores between digits allowed). ok is false for anything else.
// Values beyond int64 saturate.
func PyInt(v any) (n int64, ok bool) {
	n, r := pyInt(v)
	return n, r == pyIntOK
}

func pyInt(v any) (int64, pyIntResult) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, pyIntOK
		}
		return 0, pyIntOK
	case json.Number:
		if f, ok := new(big.Float).SetString(x.String()); ok {
			return saturate(f), pyIntOK
		}
		return 0, pyIntValueErr
	case float64:
		return saturate(big.NewFloat(x)), pyIntOK
	case string:
		return pyIntString(x)
	default:
		return 0, pyIntTypeErr
	}
}

func saturate(f *big.Float) int64 {
	if f.IsInf() {
		if f.Sign() > 0 {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	i, _ := f.Int(nil) // truncates toward zero
	if !i.IsInt64() {
		if i.Sign() > 0 {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return i.Int64()
}

func pyIntString(s string) (int64, pyIntResult) {
	s = strings.TrimFunc(s, unicode.IsSpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, pyIntValueErr
	}
	digits := strings.ReplaceAll(s, "_", "")
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, pyIntValueErr
		}
	}
	i, _ := new(big.Int).SetString(digits, 10)
	if neg {
		i.Neg(i)
	}
	return saturate(new(big.Float).SetInt(i)), pyIntOK
}
