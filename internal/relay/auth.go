package relay

import (
	"context"
	"crypto/rsa"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// KeySource returns the JWKS served by a host; [JWKS] implements it.
type KeySource interface {
	Keys(ctx context.Context, host, kid string) (*KeySet, error)
}

// AuthOptions configures an [Authenticator].
type AuthOptions struct {
	// Keys fetches the key sets; required.
	Keys KeySource
	// Audience, when set, is the audience every token must carry. Empty
	// means the request's own root, scheme://Host, as the original relay
	// checks it (SPEC §3.2); set it behind a TLS-terminating proxy.
	Audience string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Authenticator checks Threat Response bearer tokens (SPEC §3.1, steps
// 1–9): an RS256 JWT signed by a key of the JWKS served by the host named
// in the token's own jwks_host claim, for this relay's audience.
type Authenticator struct {
	keys     KeySource
	audience string
	now      func() time.Time
}

// NewAuthenticator validates opts and returns an Authenticator.
func NewAuthenticator(opts AuthOptions) (*Authenticator, error) {
	if opts.Keys == nil {
		return nil, errors.New("relay: AuthOptions.Keys is required")
	}
	a := &Authenticator{keys: opts.Keys, audience: opts.Audience, now: opts.Now}
	if a.now == nil {
		a.now = time.Now
	}
	return a, nil
}

// Authenticate verifies the request's bearer token and returns its claims.
// Every failure is a TR "authorization error" (*Error) with the original
// relay's message, or a clear Vigie message where the original crashed.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request) (Claims, error) {
	values, present := r.Header["Authorization"]
	if !present {
		return nil, AuthError(ReasonHeaderMissing)
	}
	return a.Verify(ctx, values[0], a.expectedAudience(r))
}

// Verify checks an Authorization header value against audience.
func (a *Authenticator) Verify(ctx context.Context, header, audience string) (Claims, error) {
	fields := strings.Fields(header)
	if len(fields) != 2 {
		return nil, AuthError(ReasonMalformedHeader)
	}
	if !strings.EqualFold(fields[0], "bearer") {
		return nil, AuthError(ReasonWrongType)
	}
	tok, err := parseUnverified(fields[1])
	if err != nil {
		return nil, AuthError(ReasonWrongStructure)
	}
	rawHost, ok := tok.payload["jwks_host"]
	if !ok {
		return nil, AuthError(ReasonJWKSHostMissing)
	}
	host, ok := rawHost.(string)
	if !ok {
		return nil, AuthError(ReasonWrongJWKSHost)
	}
	rawKid, hasKid := tok.header["kid"]
	kid, _ := rawKid.(string)
	ks, err := a.keys.Keys(ctx, host, kid)
	if err != nil {
		return nil, err
	}
	if ks.err != nil {
		return nil, ks.err
	}
	if !hasKid {
		return nil, AuthError(ReasonPayloadStructure)
	}
	if alg, _ := tok.header["alg"].(string); alg != jwt.SigningMethodRS256.Alg() {
		return nil, AuthError(ReasonWrongAlgorithm)
	}
	key, found := ks.lookup(kid)
	switch {
	case !found:
		return nil, AuthError(ReasonKidNotFound)
	case key == nil:
		return nil, AuthError(ReasonKeyNotRSA)
	}
	if err := verifyRS256(tok, key); err != nil {
		return nil, AuthError(ReasonWrongKey)
	}
	if e := a.validateClaims(tok.payload, audience); e != nil {
		return nil, e
	}
	return tok.payload, nil
}

// verifyRS256 checks the signature with golang-jwt's RS256 method only.
func verifyRS256(tok *unverifiedJWT, key *rsa.PublicKey) error {
	return jwt.SigningMethodRS256.Verify(tok.signingInput, tok.signature, key)
}

// validateClaims checks iat, nbf, exp and aud in PyJWT's order, with no
// leeway. iss is not checked (SPEC §3.1).
func (a *Authenticator) validateClaims(c Claims, audience string) *Error {
	now := a.now().Unix()
	if v, ok := c["iat"]; ok {
		if _, r := pyInt(v); r != pyIntOK {
			return claimTypeError(r)
		}
	}
	if v, ok := c["nbf"]; ok {
		nbf, r := pyInt(v)
		if r != pyIntOK {
			return claimTypeError(r)
		}
		if nbf > now {
			return AuthError(ReasonNotYetValid)
		}
	}
	if v, ok := c["exp"]; ok {
		exp, r := pyInt(v)
		if r != pyIntOK {
			return claimTypeError(r)
		}
		if exp <= now {
			return AuthError(ReasonExpired)
		}
	}
	if !audienceMatches(c["aud"], audience) {
		return AuthError(ReasonWrongAudience)
	}
	return nil
}

// claimTypeError is the original's answer to a time claim Python's int()
// rejects: a non-numeric string is a decode error ("Wrong JWT structure"),
// null/list/object falls into the relay's catch-all ("kid … not found").
func claimTypeError(r pyIntResult) *Error {
	if r == pyIntValueErr {
		return AuthError(ReasonWrongStructure)
	}
	return AuthError(ReasonKidNotFound)
}

// audienceMatches reports whether aud (a string or a list of strings)
// contains want. A missing or ill-typed aud never matches.
func audienceMatches(aud any, want string) bool {
	switch v := aud.(type) {
	case string:
		return v == want
	case []any:
		found := false
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return false
			}
			found = found || s == want
		}
		return found
	}
	return false
}

// expectedAudience is the configured audience, or the request root:
// scheme://Host, without the default port, the scheme being the one this
// server terminates (X-Forwarded-* is ignored, as in the original).
func (a *Authenticator) expectedAudience(r *http.Request) string {
	if a.audience != "" {
		return a.audience
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
		host = strings.TrimSuffix(host, ":443")
	} else {
		host = strings.TrimSuffix(host, ":80")
	}
	return scheme + "://" + host
}

type claimsKey struct{}

// ClaimsFrom returns the claims [Authenticator.Middleware] stored in ctx.
func ClaimsFrom(ctx context.Context) (Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(Claims)
	return c, ok
}

// Middleware authenticates every request before next. A failure answers
// 200 with the TR error, as Threat Response expects; on success next finds
// the claims with [ClaimsFrom].
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, err := a.Authenticate(r.Context(), r)
		if err != nil {
			WriteErrors(w, AsError(err))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, claims)))
	})
}

// AsError returns err as a TR error: itself when it is one, otherwise a
// fatal "unknown" error carrying its text.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Fatal(CodeUnknown, err.Error())
}
