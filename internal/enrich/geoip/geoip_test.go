package geoip_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/enrich"
	"github.com/vigie-siem/vigie/internal/enrich/enrichtest"
	"github.com/vigie-siem/vigie/internal/enrich/geoip"
)

func buildMMDB(t testing.TB, dbType string, nets map[string]mmdbtype.Map) []byte {
	return enrichtest.BuildMMDB(t, dbType, nets)
}

// flatCountry is the ip-location-db country schema.
func flatCountry(t testing.TB) *geoip.DB {
	db, err := geoip.OpenBytes(buildMMDB(t, "geo-whois-asn-country", map[string]mmdbtype.Map{
		"8.8.8.0/24":     {"country_code": mmdbtype.String("US")},
		"2a00:1450::/32": {"country_code": mmdbtype.String("IE")},
		"81.0.0.0/8":     {"country_code": mmdbtype.String("FR")},
	}))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// maxmindCity is the MaxMind GeoLite2-City schema.
func maxmindCity(t testing.TB) *geoip.DB {
	names := func(s string) mmdbtype.Map { return mmdbtype.Map{"en": mmdbtype.String(s)} }
	db, err := geoip.OpenBytes(buildMMDB(t, "GeoLite2-City", map[string]mmdbtype.Map{
		"81.2.69.0/24": {
			"country":      mmdbtype.Map{"iso_code": mmdbtype.String("GB"), "names": names("United Kingdom")},
			"city":         mmdbtype.Map{"names": names("London")},
			"subdivisions": mmdbtype.Slice{mmdbtype.Map{"names": names("England")}},
			"location":     mmdbtype.Map{"latitude": mmdbtype.Float64(51.5142), "longitude": mmdbtype.Float64(-0.0931)},
		},
	}))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// flatCity is the ip-location-db city schema.
func flatCity(t testing.TB) *geoip.DB {
	db, err := geoip.OpenBytes(buildMMDB(t, "dbip-city", map[string]mmdbtype.Map{
		"8.8.8.0/24": {"country_code": mmdbtype.String("US"), "state1": mmdbtype.String("California"), "city": mmdbtype.String("Mountain View"),
			"latitude": mmdbtype.Float32(37.386), "longitude": mmdbtype.Float32(-122.0838)},
	}))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestBothSchemasDecoded(t *testing.T) {
	e, err := geoip.New(flatCountry(t), maxmindCity(t))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p, ok := e.Place(netip.MustParseAddr("81.2.69.160"))
	if !ok || p.CountryCode != "GB" || p.Country != "United Kingdom" || p.City != "London" || p.Region != "England" || p.Latitude == nil || *p.Latitude != 51.5142 {
		t.Errorf("MaxMind city schema: %+v", p)
	}
	// Not in the city database: the country database fills in.
	p, ok = e.Place(netip.MustParseAddr("81.9.9.9"))
	if !ok || p.CountryCode != "FR" || p.City != "" || p.Latitude != nil {
		t.Errorf("country fallback: %+v", p)
	}
	p, ok = e.Place(netip.MustParseAddr("2a00:1450:4007::1"))
	if !ok || p.CountryCode != "IE" {
		t.Errorf("IPv6: %+v", p)
	}
	e2, _ := geoip.New(nil, flatCity(t))
	p, ok = e2.Place(netip.MustParseAddr("8.8.8.8"))
	if !ok || p.City != "Mountain View" || p.Region != "California" || p.Latitude == nil {
		t.Errorf("flat city schema: %+v", p)
	}
	if _, ok := e.Place(netip.MustParseAddr("1.1.1.1")); ok {
		t.Error("an address in no network was found")
	}
}

func TestEnricherSkipsPrivateAndWritesGeoLocation(t *testing.T) {
	e, _ := geoip.New(flatCountry(t), flatCity(t))
	a := &idmefv2.Alert{Version: idmefv2.VersionV08, ID: "c0ffee00-0000-4000-8000-000000000001", CreateTime: "2026-11-23T10:00:00Z",
		Analyzer: idmefv2.Analyzer{Name: "t"},
		Source: []idmefv2.Source{{ID: "c0ffee00-0000-4000-8000-000000000002", IP: "8.8.8.8"},
			{ID: "c0ffee00-0000-4000-8000-000000000004", IP: "81.1.2.3", GeoLocation: "1,2"}},
		Target: []idmefv2.Target{{ID: "c0ffee00-0000-4000-8000-000000000003", IP: "10.0.0.1"}}}
	if err := enrich.NewChain(nil, e).Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if a.Source[0].GeoLocation != "37.38600158691406,-122.08380126953125" {
		t.Errorf("GeoLocation %q", a.Source[0].GeoLocation)
	}
	if a.Source[1].GeoLocation != "1,2" {
		t.Error("an existing GeoLocation was overwritten")
	}
	if r := a.Validate(); !r.Valid() {
		t.Fatalf("invalid: %v", r.Errors())
	}
	s := enrich.NewSubject(a)
	e.Enrich(context.Background(), s)
	if _, ok := s.Found("geoip", "Target(0)"); ok {
		t.Error("a private address was looked up")
	}
	if f, ok := s.Found("geoip", "Source(1)"); !ok || !strings.Contains(string(f.(json.RawMessage)), `"country_code":"FR"`) {
		t.Errorf("Source(1): %v", f)
	}
}

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2a00:1450::1": true, "10.1.2.3": false, "192.168.1.1": false, "127.0.0.1": false,
		"169.254.1.1": false, "100.64.0.1": false, "203.0.113.5": false, "::1": false, "fe80::1": false,
		"fd00::1": false, "2001:db8::1": false, "224.0.0.1": false, "0.0.0.0": false, "::ffff:10.0.0.1": false,
	} {
		if got := geoip.Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestRealCountryDatabase reads the CC0 database fetched by
// scripts/fetch-geoip.sh (VIGIE_TEST_GEOIP_DB; .ci/run sets it). Under
// CI=true its absence fails the test.
func TestRealCountryDatabase(t *testing.T) {
	path, ok := enrichtest.RealCountryDB(t)
	if !ok {
		t.Skipf("no GeoIP database at %s (run scripts/fetch-geoip.sh %s)", path, filepath.Dir(path))
	}
	db, err := geoip.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := geoip.New(db, nil)
	defer e.Close()
	for addr, want := range map[string]string{"8.8.8.8": "US", "193.51.224.1": "FR", "2001:4860:4860::8888": "US"} {
		p, ok := e.Place(netip.MustParseAddr(addr))
		if !ok || p.CountryCode != want {
			t.Errorf("%s: %+v, want country %s", addr, p, want)
		}
	}
}

func BenchmarkPlace(b *testing.B) {
	e, _ := geoip.New(flatCountry(b), maxmindCity(b))
	addr := netip.MustParseAddr("81.2.69.160")
	for b.Loop() {
		e.Place(addr)
	}
}

func BenchmarkPlaceCountry(b *testing.B) {
	e, _ := geoip.New(flatCountry(b), nil)
	addr := netip.MustParseAddr("8.8.8.8")
	for b.Loop() {
		e.Place(addr)
	}
}
