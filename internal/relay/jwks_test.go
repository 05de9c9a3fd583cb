package relay

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// jwksFixture is a TLS JWKS server counting fetches.
type jwksFixture struct {
	srv          *httptest.Server
	fetches      atomic.Int32
	cacheControl atomic.Value
	kid          atomic.Value
}

func newJWKSFixture(t *testing.T) *jwksFixture {
	f := &jwksFixture{}
	f.cacheControl.Store("")
	f.kid.Store(testKid)
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.fetches.Add(1)
		if r.URL.Path == "/redirect"+JWKSPath {
			http.Redirect(w, r, "https://evil.example"+JWKSPath, http.StatusFound)
			return
		}
		if cc := f.cacheControl.Load().(string); cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		json.NewEncoder(w).Encode(map[string]any{"keys": []any{jwkOf(f.kid.Load().(string), &testKey.PublicKey)}})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *jwksFixture) host() string { return strings.TrimPrefix(f.srv.URL, "https://") }

func (f *jwksFixture) jwks(t *testing.T, opts JWKSOptions) *JWKS {
	t.Helper()
	opts.HTTPClient = f.srv.Client()
	if opts.AllowedHosts == nil {
		opts.AllowedHosts = []string{f.host()}
	}
	j, err := NewJWKS(opts)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestJWKSAllowList(t *testing.T) {
	f := newJWKSFixture(t)
	tests := []struct {
		name    string
		allowed []string
		host    string
		fetch   bool
	}{
		{"listed host", []string{f.host()}, f.host(), true},
		{"any host", []string{"*"}, f.host(), true},
		{"default list refuses a test host", nil, f.host(), false},
		{"host not listed", []string{"visibility.amp.cisco.com"}, f.host(), false},
		{"user info trick", []string{"visibility.amp.cisco.com"}, "visibility.amp.cisco.com@" + f.host(), false},
		{"path trick", []string{"*"}, f.host() + "/x?", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.fetches.Store(0)
			j, err := NewJWKS(JWKSOptions{AllowedHosts: tt.allowed, HTTPClient: f.srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			_, err = j.Keys(t.Context(), tt.host, testKid)
			if got := f.fetches.Load() > 0; got != tt.fetch {
				t.Fatalf("fetched = %v, want %v (err %v)", got, tt.fetch, err)
			}
			if !tt.fetch {
				if e, ok := err.(*Error); !ok || e.Message != AuthPrefix+ReasonWrongJWKSHost {
					t.Errorf("err = %v, want the wrong jwks_host error", err)
				}
			}
		})
	}
}

func TestJWKSRedirectToOtherHostRefused(t *testing.T) {
	f := newJWKSFixture(t)
	j := f.jwks(t, JWKSOptions{})
	if _, err := j.Keys(t.Context(), f.host()+"/redirect", testKid); err == nil {
		t.Fatal("a path in jwks_host was accepted")
	}
	// The redirect itself: fetch the redirecting path through the client.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.srv.URL+"/redirect"+JWKSPath, nil)
	if _, err := j.client.Do(req); err == nil || !strings.Contains(err.Error(), "not allowed") {
		t.Errorf("redirect to a host off the list: err = %v", err)
	}
}

func TestJWKSCache(t *testing.T) {
	now := time.Unix(1e9, 0)
	clock := func() time.Time { return now }
	tests := []struct {
		name         string
		opts         JWKSOptions
		cacheControl string
		steps        []step
		wantFetches  int32
	}{
		{name: "no caching by default", steps: steps(0, testKid, 0, testKid, 0, testKid), wantFetches: 3},
		{name: "max-age honoured", cacheControl: "public, max-age=60", steps: steps(0, testKid, 30*time.Second, testKid, 31*time.Second, testKid), wantFetches: 2},
		{name: "no-store wins", opts: JWKSOptions{CacheTTL: time.Hour}, cacheControl: "no-store", steps: steps(0, testKid, 0, testKid), wantFetches: 2},
		{name: "configured TTL", opts: JWKSOptions{CacheTTL: time.Minute}, steps: steps(0, testKid, 59*time.Second, testKid, 2*time.Second, testKid), wantFetches: 2},
		{name: "max-age capped", opts: JWKSOptions{MaxCacheTTL: time.Minute}, cacheControl: "max-age=86400", steps: steps(0, testKid, 61*time.Second, testKid), wantFetches: 2},
		{name: "unknown kid refetches after the refresh interval", opts: JWKSOptions{CacheTTL: time.Hour, RefreshInterval: 10 * time.Second},
			steps: steps(0, testKid, time.Second, "rotated", 10*time.Second, "rotated"), wantFetches: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newJWKSFixture(t)
			f.cacheControl.Store(tt.cacheControl)
			opts := tt.opts
			opts.Now = clock
			j := f.jwks(t, opts)
			for _, s := range tt.steps {
				now = now.Add(s.advance)
				if _, err := j.Keys(t.Context(), f.host(), s.kid); err != nil {
					t.Fatal(err)
				}
			}
			if got := f.fetches.Load(); got != tt.wantFetches {
				t.Errorf("%d fetches, want %d", got, tt.wantFetches)
			}
		})
	}
}

type step struct {
	advance time.Duration
	kid     string
}

// steps builds look-ups from (advance, kid) pairs.
func steps(kv ...any) []step {
	var out []step
	for i := 0; i < len(kv); i += 2 {
		var d time.Duration
		switch v := kv[i].(type) {
		case int:
			d = time.Duration(v)
		case time.Duration:
			d = v
		}
		out = append(out, step{d, kv[i+1].(string)})
	}
	return out
}
