package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf8"
)

// authorization is a parsed Authorization header.
type authorization struct {
	scheme   string // "bearer" or "basic"
	token    Secret // bearer
	user     string // basic
	password Secret // basic
}

// maxAuthorizationLen bounds the header we parse (a token is 53 bytes, a
// Basic pair with a 1 KiB password about 1.4 KiB).
const maxAuthorizationLen = 4096

// parseAuthorization reads "Bearer <token>" or "Basic <base64(user:pass)>"
// (RFC 6750, RFC 7617); schemes are case-insensitive. Errors never
// include the credential.
func parseAuthorization(h string) (authorization, error) {
	if len(h) > maxAuthorizationLen {
		return authorization{}, errors.New("authorization header too long")
	}
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok {
		return authorization{}, errors.New("authorization header: want <scheme> <credentials>")
	}
	rest = strings.TrimLeft(rest, " ")
	if rest == "" || strings.ContainsAny(rest, " \t\r\n") {
		return authorization{}, errors.New("authorization header: want one credential after the scheme")
	}
	switch strings.ToLower(scheme) {
	case "bearer":
		return authorization{scheme: "bearer", token: Secret(rest)}, nil
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return authorization{}, errors.New("basic credentials: not base64")
		}
		if !utf8.Valid(raw) {
			return authorization{}, errors.New("basic credentials: not UTF-8")
		}
		user, pw, ok := strings.Cut(string(raw), ":")
		if !ok || user == "" {
			return authorization{}, errors.New("basic credentials: want user:password")
		}
		return authorization{scheme: "basic", user: user, password: Secret(pw)}, nil
	}
	return authorization{}, errors.New("authorization header: unsupported scheme (want Bearer or Basic)")
}
