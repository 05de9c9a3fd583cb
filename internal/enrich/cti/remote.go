package cti

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/vigie-siem/vigie/internal/relay/securitytrails"
)

// Verdict is what a remote service says about an address.
type Verdict struct {
	// Service is the configured name of the service.
	Service string `json:"service"`
	// Verdict is malicious, suspicious, common, clean, unknown (no
	// judgement) or sighted (seen, no judgement).
	Verdict string `json:"verdict"`
	// Sightings counts the service's sightings of the address.
	Sightings int `json:"sightings,omitempty"`
	// Domains are names that resolved to the address (SecurityTrails).
	Domains []string `json:"domains,omitempty"`
	// DomainCount is how many such names SecurityTrails knows.
	DomainCount int `json:"domain_count,omitempty"`
}

// Verdicts ranked by how bad they are.
var verdictRank = map[string]int{"clean": 1, "common": 2, "unknown": 3, "sighted": 4, "suspicious": 5, "malicious": 6}

// ErrRateLimited is returned without calling while a service asked to
// wait (HTTP 429 with Retry-After).
var ErrRateLimited = errors.New("rate limited by the service: waiting out Retry-After")

// ErrQuotaExhausted is returned without calling while the month's quota is
// used up.
var ErrQuotaExhausted = errors.New("monthly quota used up")

// SecurityTrails looks addresses up with the SecurityTrails client (the
// domains that resolved to them), honouring 429 Retry-After and the
// account's monthly quota.
type SecurityTrails struct {
	Name   string
	Client *securitytrails.Client
	Key    securitytrails.APIKey
	// MaxDomains bounds the names kept per address (default 10).
	MaxDomains int
	// UsageEvery is how often the quota is read (default 10m).
	UsageEvery time.Duration
	Now        func() time.Time

	mu        sync.Mutex
	blocked   time.Time // no calls before
	usage     securitytrails.Usage
	usageRead time.Time
}

// Lookup is an enrich.Loader.
func (s *SecurityTrails) Lookup(ctx context.Context, ip string) (Verdict, bool, error) {
	now := s.now()
	if err := s.admit(ctx, now); err != nil {
		return Verdict{}, false, err
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return Verdict{}, false, fmt.Errorf("securitytrails: %w", err)
	}
	rs, err := s.Client.DomainsByIP(ctx, s.Key, addr.String(), addr.Is6(), 1)
	s.mu.Lock()
	s.usage.Current++ // count locally between quota reads
	var ae *securitytrails.APIError
	if errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests {
		wait := ae.RetryAfter
		if wait <= 0 {
			wait = time.Minute
		}
		s.blocked = now.Add(wait)
	}
	s.mu.Unlock()
	if err != nil {
		return Verdict{}, false, err
	}
	if rs == nil || rs.Page == nil || len(rs.Records) == 0 {
		return Verdict{}, false, nil
	}
	limit := s.MaxDomains
	if limit <= 0 {
		limit = 10
	}
	v := Verdict{Service: s.Name, Verdict: "unknown", DomainCount: len(rs.Records)}
	if n, ok := rs.Page["record_count"].(float64); ok && int(n) > v.DomainCount {
		v.DomainCount = int(n)
	}
	for _, r := range rs.Records {
		if m, ok := r.(map[string]any); ok {
			if h, ok := m["hostname"].(string); ok && h != "" && len(v.Domains) < limit {
				v.Domains = append(v.Domains, h)
			}
		}
	}
	return v, true, nil
}

// admit refuses a call while rate-limited or out of quota, reading the
// quota when it is stale.
func (s *SecurityTrails) admit(ctx context.Context, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Before(s.blocked) {
		return fmt.Errorf("securitytrails: %w", ErrRateLimited)
	}
	every := s.UsageEvery
	if every <= 0 {
		every = 10 * time.Minute
	}
	if s.usageRead.IsZero() || now.Sub(s.usageRead) >= every {
		s.mu.Unlock()
		u, err := s.Client.Usage(ctx, s.Key)
		s.mu.Lock()
		if err == nil {
			s.usage, s.usageRead = u, now
		} else {
			s.usageRead = now // retry at the next period; do not stop enriching
		}
	}
	if s.usage.Exhausted() {
		return fmt.Errorf("securitytrails: %w (%d of %d)", ErrQuotaExhausted, s.usage.Current, s.usage.Allowed)
	}
	return nil
}

func (s *SecurityTrails) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Relay asks a Threat Response relay module: POST <URL>/observe/observables
// with a bearer token.
type Relay struct {
	Name  string
	URL   string
	Token string
	HTTP  *http.Client
}

// Lookup is an enrich.Loader.
func (r *Relay) Lookup(ctx context.Context, ip string) (Verdict, bool, error) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return Verdict{}, false, fmt.Errorf("relay %s: %w", r.Name, err)
	}
	typ := "ip"
	if addr.Is6() {
		typ = "ipv6"
	}
	body, _ := json.Marshal([]map[string]string{{"type": typ, "value": addr.String()}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(r.URL, "/")+"/observe/observables", bytes.NewReader(body))
	if err != nil {
		return Verdict{}, false, fmt.Errorf("relay %s: %w", r.Name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	client := r.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return Verdict{}, false, fmt.Errorf("relay %s: %w", r.Name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return Verdict{}, false, fmt.Errorf("relay %s: %w", r.Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Verdict{}, false, fmt.Errorf("relay %s: HTTP %d", r.Name, resp.StatusCode)
	}
	return ParseObserve(r.Name, b)
}

// ParseObserve maps a relay's /observe/observables answer to a verdict:
// the worst disposition among verdicts and judgements, else "sighted" when
// there are sightings. found is false when the answer has neither. A relay
// answer with "errors" and no data is an error.
func ParseObserve(service string, b []byte) (Verdict, bool, error) {
	type docs struct {
		Count int `json:"count"`
		Docs  []struct {
			DispositionName string `json:"disposition_name"`
			Disposition     int    `json:"disposition"`
		} `json:"docs"`
	}
	var doc struct {
		Data struct {
			Sightings  docs `json:"sightings"`
			Judgements docs `json:"judgements"`
			Verdicts   docs `json:"verdicts"`
		} `json:"data"`
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return Verdict{}, false, fmt.Errorf("relay %s: answer: %w", service, err)
	}
	d := doc.Data
	if len(doc.Errors) > 0 && len(d.Sightings.Docs)+len(d.Judgements.Docs)+len(d.Verdicts.Docs) == 0 {
		e := doc.Errors[0]
		return Verdict{}, false, fmt.Errorf("relay %s: %s: %s", service, e.Code, e.Message)
	}
	v := Verdict{Service: service, Sightings: max(d.Sightings.Count, len(d.Sightings.Docs))}
	for _, j := range append(d.Verdicts.Docs, d.Judgements.Docs...) {
		name := strings.ToLower(j.DispositionName)
		if name == "" {
			name = dispositions[j.Disposition]
		}
		if verdictRank[name] > verdictRank[v.Verdict] {
			v.Verdict = name
		}
	}
	if v.Verdict == "" && v.Sightings > 0 {
		v.Verdict = "sighted"
	}
	return v, v.Verdict != "", nil
}

// dispositions are CTIM's disposition numbers.
var dispositions = map[int]string{1: "clean", 2: "malicious", 3: "suspicious", 4: "common", 5: "unknown"}
