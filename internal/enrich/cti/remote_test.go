package cti_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/vigie-siem/vigie/internal/enrich/cti"
	"github.com/vigie-siem/vigie/internal/relay"
	"github.com/vigie-siem/vigie/internal/relay/securitytrails"
)

const stKey = "st-test-key"

// fakeST follows SecurityTrails' documented API for what Vigie uses:
// APIKEY header auth, GET /v1/ping, GET /v1/account/usage, POST
// /v1/domains/list with {"filter":{"ipv4"|"ipv6": ip}} and ?page=, and
// 429 with Retry-After when rate-limited.
type fakeST struct {
	calls     atomic.Int32
	usage     atomic.Int32
	allowed   int
	limited   atomic.Bool
	byIP      map[string][]string
	usageHits atomic.Int32
}

func (f *fakeST) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("APIKEY") != stKey {
		w.WriteHeader(403)
		w.Write([]byte(`{"message":"You are not authorized to perform this action"}`))
		return
	}
	switch {
	case r.URL.Path == "/v1/ping":
		w.Write([]byte(`{"success":true}`))
	case r.URL.Path == "/v1/account/usage":
		f.usageHits.Add(1)
		json.NewEncoder(w).Encode(map[string]int{"current_monthly_usage": int(f.usage.Load()), "allowed_monthly_usage": f.allowed})
	case r.URL.Path == "/v1/domains/list" && r.Method == http.MethodPost:
		f.calls.Add(1)
		if f.limited.Load() {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(429)
			w.Write([]byte(`{"message":"You've exceeded the usage limits for your account."}`))
			return
		}
		f.usage.Add(1)
		var body struct {
			Filter map[string]string `json:"filter"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil || len(body.Filter) != 1 {
			w.WriteHeader(400)
			w.Write([]byte(`{"message":"invalid filter"}`))
			return
		}
		ip := body.Filter["ipv4"] + body.Filter["ipv6"]
		var recs []map[string]any
		for _, h := range f.byIP[ip] {
			recs = append(recs, map[string]any{"hostname": h, "host_provider": []string{"Example Hosting"}})
		}
		json.NewEncoder(w).Encode(map[string]any{"records": recs, "record_count": len(recs), "endpoint": "/v1/domains/list",
			"meta": map[string]any{"page": 1, "max_page": 1, "total_pages": 1, "query": "ipv4 = '" + ip + "'"}})
	default:
		w.WriteHeader(404)
		w.Write([]byte(`{"message":"not found"}`))
	}
}

func newFakeST(t *testing.T) (*fakeST, *httptest.Server) {
	f := &fakeST{allowed: 50, byIP: map[string][]string{"45.33.32.156": {"evil.example", "www.evil.example"}}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func stClient(t *testing.T, base string) *securitytrails.Client {
	c, err := securitytrails.New(securitytrails.Options{BaseURL: base + "/v1/", DisablePacing: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSecurityTrailsLookup(t *testing.T) {
	f, srv := newFakeST(t)
	key, _ := securitytrails.NewAPIKey(stKey)
	st := &cti.SecurityTrails{Name: "securitytrails", Client: stClient(t, srv.URL), Key: key}
	ctx := context.Background()
	v, found, err := st.Lookup(ctx, "45.33.32.156")
	if err != nil || !found || v.DomainCount != 2 || strings.Join(v.Domains, ",") != "evil.example,www.evil.example" || v.Verdict != "unknown" {
		t.Fatalf("lookup: %+v %v %v", v, found, err)
	}
	if _, found, err := st.Lookup(ctx, "198.51.100.8"); found || err != nil {
		t.Errorf("unknown IP: found %v err %v", found, err)
	}
	if f.usageHits.Load() != 1 {
		t.Errorf("usage read %d times, want once per period", f.usageHits.Load())
	}
}

func TestSecurityTrailsHonoursRetryAfter(t *testing.T) {
	f, srv := newFakeST(t)
	key, _ := securitytrails.NewAPIKey(stKey)
	now := time.Unix(1_800_000_000, 0)
	st := &cti.SecurityTrails{Name: "securitytrails", Client: stClient(t, srv.URL), Key: key, Now: func() time.Time { return now }}
	f.limited.Store(true)
	ctx := context.Background()
	if _, _, err := st.Lookup(ctx, "45.33.32.156"); err == nil {
		t.Fatal("no error on 429")
	}
	calls := f.calls.Load()
	if _, _, err := st.Lookup(ctx, "45.33.32.156"); !errors.Is(err, cti.ErrRateLimited) || f.calls.Load() != calls {
		t.Errorf("called again within Retry-After: %v", err)
	}
	f.limited.Store(false)
	now = now.Add(31 * time.Second)
	if _, found, err := st.Lookup(ctx, "45.33.32.156"); !found || err != nil {
		t.Errorf("after Retry-After: %v %v", found, err)
	}
}

func TestSecurityTrailsStopsAtQuota(t *testing.T) {
	f, srv := newFakeST(t)
	f.allowed = 3
	key, _ := securitytrails.NewAPIKey(stKey)
	st := &cti.SecurityTrails{Name: "securitytrails", Client: stClient(t, srv.URL), Key: key}
	ctx := context.Background()
	var quota int
	for range 10 {
		if _, _, err := st.Lookup(ctx, "45.33.32.156"); errors.Is(err, cti.ErrQuotaExhausted) {
			quota++
		}
	}
	if n := f.calls.Load(); n != 3 || quota != 7 {
		t.Errorf("%d calls made, %d refused for quota; want 3 and 7", n, quota)
	}
}

// relayServer serves Vigie's own SecurityTrails relay module over
// httptest, with the fake SecurityTrails behind it, and returns its URL and
// a valid bearer token (an RS256 JWT carrying the API key, as Threat
// Response mints them).
func relayServer(t *testing.T, stURL string) (string, string) {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwks, _ := json.Marshal(map[string]any{"keys": []any{map[string]string{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
		"n": b64(priv.N.Bytes()), "e": b64(big.NewInt(int64(priv.E)).Bytes())}}})
	set, err := relay.ParseKeySet(jwks)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := relay.NewAuthenticator(relay.AuthOptions{Keys: relay.StaticKeys{Set: set}})
	if err != nil {
		t.Fatal(err)
	}
	mod, err := securitytrails.NewModule(securitytrails.ModuleOptions{Client: stClient(t, stURL), Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mod.Handler())
	t.Cleanup(srv.Close)
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"key": stKey, "jwks_host": "visibility.amp.cisco.com", "aud": srv.URL})
	tok.Header["kid"] = "k1"
	signed, err := tok.SignedString(priv)
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL, signed
}

func TestRelayLookupThroughVigieRelay(t *testing.T) {
	_, stSrv := newFakeST(t)
	url, token := relayServer(t, stSrv.URL)
	r := &cti.Relay{Name: "relay", URL: url, Token: token, HTTP: &http.Client{Timeout: 5 * time.Second}}
	ctx := context.Background()
	v, found, err := r.Lookup(ctx, "45.33.32.156")
	if err != nil || !found || v.Verdict != "sighted" || v.Sightings < 1 {
		t.Fatalf("relay lookup: %+v %v %v", v, found, err)
	}
	if _, found, err := r.Lookup(ctx, "198.51.100.8"); found || err != nil {
		t.Errorf("unknown IP: found %v err %v", found, err)
	}
	bad := &cti.Relay{Name: "relay", URL: url, Token: "not-a-jwt"}
	if _, _, err := bad.Lookup(ctx, "45.33.32.156"); err == nil {
		t.Error("a bad token got an answer")
	}
}

func TestParseObserveJudgements(t *testing.T) {
	body := `{"data":{"judgements":{"count":2,"docs":[{"disposition":5,"disposition_name":"Unknown"},{"disposition":2,"disposition_name":"Malicious"}]},
		"sightings":{"count":3,"docs":[{}]}}}`
	v, found, err := cti.ParseObserve("tr", []byte(body))
	if err != nil || !found || v.Verdict != "malicious" || v.Sightings != 3 {
		t.Errorf("%+v %v %v", v, found, err)
	}
	v, found, _ = cti.ParseObserve("tr", []byte(`{"data":{"verdicts":{"docs":[{"disposition":3}]}}}`))
	if !found || v.Verdict != "suspicious" {
		t.Errorf("disposition number: %+v", v)
	}
	if _, found, err := cti.ParseObserve("tr", []byte(`{"data":{}}`)); found || err != nil {
		t.Errorf("empty: %v %v", found, err)
	}
	if _, _, err := cti.ParseObserve("tr", []byte(`{"errors":[{"code":"authorization error","message":"bad"}],"data":{}}`)); err == nil {
		t.Error("relay error not reported")
	}
}
