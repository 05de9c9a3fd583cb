package relay

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// JWKSPath is where a jwks_host serves its key set.
const JWKSPath = "/.well-known/jwks"

// JWKSOptions configures a [JWKS]. The zero value is valid: the Cisco
// regional hosts, a 10 s timeout, and caching only as the JWKS response's
// Cache-Control allows.
type JWKSOptions struct {
	// AllowedHosts lists the host[:port] values a token's jwks_host may
	// name; "*" admits any host. Nil means [DefaultJWKSHosts].
	AllowedHosts []string
	// HTTPClient fetches the key sets. Nil means a client with Timeout and
	// the system roots (which honour SSL_CERT_FILE). Redirects are only
	// followed to allowed hosts, whatever client is given.
	HTTPClient *http.Client
	// Timeout bounds one fetch. Zero means 10 s.
	Timeout time.Duration
	// CacheTTL is how long a key set without a Cache-Control max-age stays
	// cached. Zero means it is not cached: every token is checked against
	// a fresh key set, as the original relay does.
	CacheTTL time.Duration
	// MaxCacheTTL caps a server-provided max-age. Zero means one hour.
	MaxCacheTTL time.Duration
	// RefreshInterval is the minimum time between two fetches forced by a
	// kid missing from a cached key set (key rotation). Zero means 30 s.
	RefreshInterval time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives refusals and fetch failures; nil discards.
	Logger *slog.Logger
	// Metrics counts look-ups; nil disables.
	Metrics *Metrics
}

// JWKS fetches and caches JSON Web Key Sets from allow-listed hosts. It is
// safe for concurrent use.
type JWKS struct {
	allow   hostList
	client  *http.Client
	timeout time.Duration
	ttl     time.Duration
	maxTTL  time.Duration
	refresh time.Duration
	now     func() time.Time
	logger  *slog.Logger
	metrics *Metrics

	// refusals limits the log lines a flood of hostile tokens can cause.
	refusals rate.Sometimes

	mu    sync.Mutex
	cache map[string]*cachedKeys // by canonical host
}

type cachedKeys struct {
	keys    *KeySet
	expires time.Time
	fetched time.Time
}

// NewJWKS validates opts and returns a JWKS fetcher.
func NewJWKS(opts JWKSOptions) (*JWKS, error) {
	hosts := opts.AllowedHosts
	if hosts == nil {
		hosts = DefaultJWKSHosts
	}
	allow, err := parseHostList(hosts)
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	j := &JWKS{
		allow:    allow,
		timeout:  cmpOr(opts.Timeout, 10*time.Second),
		ttl:      opts.CacheTTL,
		maxTTL:   cmpOr(opts.MaxCacheTTL, time.Hour),
		refresh:  cmpOr(opts.RefreshInterval, 30*time.Second),
		now:      opts.Now,
		logger:   opts.Logger,
		metrics:  opts.Metrics,
		cache:    map[string]*cachedKeys{},
		refusals: rate.Sometimes{First: 5, Interval: time.Minute},
	}
	if j.now == nil {
		j.now = time.Now
	}
	if j.logger == nil {
		j.logger = slog.New(slog.DiscardHandler)
	}
	base := opts.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: j.timeout}
	}
	client := *base
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		if req.URL.Scheme != "https" || !j.allow.allows(req.URL.Host) {
			return fmt.Errorf("redirect to %s refused: host not allowed", req.URL.Redacted())
		}
		return nil
	}
	j.client = &client
	return j, nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// KeySet is a parsed JWKS: RSA public keys by kid. A JWKS whose structure
// is wrong is still a KeySet; its Err is the TR error a look-up reports.
type KeySet struct {
	keys     map[string]*rsa.PublicKey
	unusable map[string]bool // kid present but not an RSA public key
	err      *Error
}

// Keys returns the key set served by host, from the cache when fresh. kid
// is the key the caller looks for: when a cached set lacks it, the set is
// fetched again (at most once per RefreshInterval) to follow key rotation.
// Errors are TR errors with the original relay's messages.
func (j *JWKS) Keys(ctx context.Context, host, kid string) (*KeySet, error) {
	if !j.allow.allows(host) {
		j.metrics.jwksResult("refused")
		j.refusals.Do(func() {
			j.logger.Warn("jwks_host refused: not in the allow-list (further refusals are sampled)",
				"jwks_host", truncate(host, 256))
		})
		return nil, AuthError(ReasonWrongJWKSHost)
	}
	canon, _ := canonicalHost(host)
	now := j.now()
	j.mu.Lock()
	c := j.cache[canon]
	j.mu.Unlock()
	if c != nil && now.Before(c.expires) {
		if _, found := c.keys.lookup(kid); found || now.Sub(c.fetched) < j.refresh {
			j.metrics.jwksResult("cached")
			return c.keys, nil
		}
	}
	ks, ttl, err := j.fetch(ctx, host)
	if err != nil {
		j.metrics.jwksResult("failed")
		return nil, err
	}
	j.metrics.jwksResult("fetched")
	j.mu.Lock()
	if ttl > 0 {
		j.cache[canon] = &cachedKeys{keys: ks, expires: now.Add(ttl), fetched: now}
	} else {
		delete(j.cache, canon)
	}
	j.mu.Unlock()
	return ks, nil
}

// fetch downloads and parses https://host/.well-known/jwks. Every
// transport, status or JSON failure is the "Wrong jwks_host" error.
func (j *JWKS) fetch(ctx context.Context, host string) (*KeySet, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, j.timeout)
	defer cancel()
	url := "https://" + host + JWKSPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, AuthError(ReasonWrongJWKSHost)
	}
	resp, err := j.client.Do(req)
	if err != nil {
		j.logger.Warn("jwks fetch failed", "url", url, "err", err)
		return nil, 0, AuthError(ReasonWrongJWKSHost)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode >= 400 {
		j.logger.Warn("jwks fetch failed", "url", url, "status", resp.StatusCode, "err", err)
		return nil, 0, AuthError(ReasonWrongJWKSHost)
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		j.logger.Warn("jwks is not JSON", "url", url)
		return nil, 0, AuthError(ReasonWrongJWKSHost)
	}
	return parseKeySet(doc), j.cacheTTL(resp.Header.Get("Cache-Control")), nil
}

// cacheTTL derives how long a key set may be kept from its Cache-Control.
func (j *JWKS) cacheTTL(cc string) time.Duration {
	ttl := j.ttl
	for _, d := range strings.Split(cc, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		switch {
		case d == "no-store" || d == "no-cache":
			return 0
		case strings.HasPrefix(d, "max-age="):
			if s, err := strconv.Atoi(strings.TrimPrefix(d, "max-age=")); err == nil && s >= 0 {
				ttl = time.Duration(s) * time.Second
			}
		}
	}
	return min(ttl, j.maxTTL)
}

// ParseKeySet parses a JWKS document, for key sets known in advance (tests,
// air-gapped deployments). Structural problems are kept in the set and
// reported when it is used, as for a fetched set.
func ParseKeySet(doc []byte) (*KeySet, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, fmt.Errorf("relay: key set is not JSON: %w", err)
	}
	return parseKeySet(v), nil
}

// StaticKeys is a [KeySource] that serves one key set whatever the host.
type StaticKeys struct{ Set *KeySet }

// Keys implements [KeySource].
func (s StaticKeys) Keys(context.Context, string, string) (*KeySet, error) { return s.Set, nil }

// parseKeySet indexes the RSA keys of a JWKS document by kid, with the
// original relay's error for each structural problem (SPEC §3.1 step 7).
// Unlike the original, which crashes, a JWK that is not a usable RSA key is
// only marked unusable, so one foreign key does not break the others.
func parseKeySet(doc any) *KeySet {
	ks := &KeySet{keys: map[string]*rsa.PublicKey{}, unusable: map[string]bool{}}
	obj, ok := doc.(map[string]any)
	if !ok {
		ks.err = AuthError(ReasonKidNotFound)
		return ks
	}
	raw, ok := obj["keys"]
	if !ok {
		ks.err = AuthError(ReasonPayloadStructure)
		return ks
	}
	list, ok := raw.([]any)
	if !ok {
		ks.err = AuthError(ReasonKidNotFound)
		return ks
	}
	for _, item := range list {
		jwk, ok := item.(map[string]any)
		if !ok {
			ks.err = AuthError(ReasonKidNotFound)
			return ks
		}
		rawKid, ok := jwk["kid"]
		if !ok {
			ks.err = AuthError(ReasonPayloadStructure)
			return ks
		}
		kid, ok := rawKid.(string)
		if !ok {
			continue // cannot match a token kid, which is a string
		}
		if key, err := rsaKey(jwk); err == nil {
			ks.keys[kid] = key
		} else {
			ks.unusable[kid] = true
		}
	}
	return ks
}

// lookup returns the key for kid. found is false when the set has no such
// kid at all; it is true with a nil key when the kid names an unusable key.
func (ks *KeySet) lookup(kid string) (key *rsa.PublicKey, found bool) {
	if k, ok := ks.keys[kid]; ok {
		return k, true
	}
	return nil, ks.unusable[kid]
}

// rsaKey builds an RSA public key from a JWK's kty, n and e.
func rsaKey(jwk map[string]any) (*rsa.PublicKey, error) {
	if kty, _ := jwk["kty"].(string); kty != "RSA" {
		return nil, errors.New("kty is not RSA")
	}
	n, err := b64Int(jwk["n"])
	if err != nil {
		return nil, fmt.Errorf("n: %w", err)
	}
	e, err := b64Int(jwk["e"])
	if err != nil {
		return nil, fmt.Errorf("e: %w", err)
	}
	if n.Sign() <= 0 || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
		return nil, errors.New("modulus or exponent out of range")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

func b64Int(v any) (*big.Int, error) {
	s, ok := v.(string)
	if !ok || s == "" {
		return nil, errors.New("missing")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
