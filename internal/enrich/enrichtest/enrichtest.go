// Package enrichtest helps the enrichment tests: MMDB files built in
// memory, and the CC0 GeoIP database when it is installed.
package enrichtest

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// BuildMMDB returns an MMDB image of the given networks (CIDR → record).
func BuildMMDB(tb testing.TB, dbType string, nets map[string]mmdbtype.Map) []byte {
	tb.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, RecordSize: 24})
	if err != nil {
		tb.Fatal(err)
	}
	for cidr, rec := range nets {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			tb.Fatal(err)
		}
		if err := tree.Insert(n, rec); err != nil {
			tb.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// RealCountryDB is the path of the CC0 country database fetched by
// scripts/fetch-geoip.sh: $VIGIE_TEST_GEOIP_DB, else
// $TMPDIR/vigie-geoip/geo-whois-asn-country.mmdb. ok is false when it is
// not there; under CI=true that fails the test.
func RealCountryDB(tb testing.TB) (path string, ok bool) {
	tb.Helper()
	path = os.Getenv("VIGIE_TEST_GEOIP_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "vigie-geoip", "geo-whois-asn-country.mmdb")
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("the CC0 GeoIP database is missing in CI (scripts/fetch-geoip.sh): %v", err)
		}
		return path, false
	}
	return path, true
}
