package cti_test

import (
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/enrich/cti"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func values(iocs []cti.IOC) string {
	var out []string
	for _, i := range iocs {
		out = append(out, string(i.Type)+"="+i.Value)
	}
	return strings.Join(out, " ")
}

func TestParseCSV(t *testing.T) {
	iocs, errs := cti.ParseCSV(read(t, "iocs.csv"))
	want := "ip=45.33.32.156 ip=203.0.113.0/24 domain=evil.example url=http://evil.example/payload.exe hash=md5:d41d8cd98f00b204e9800998ecf8427e"
	if got := values(iocs); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "line 7") {
		t.Errorf("errors %v, want one naming line 7", errs)
	}
	if iocs[0].Description != "scanner seen on honeypots" {
		t.Errorf("description %q", iocs[0].Description)
	}
	// With a header naming the columns, the type column is checked.
	iocs, errs = cti.ParseCSV([]byte("type,value,description\nip,192.0.2.1,x\ndomain,192.0.2.2,y\n"))
	if values(iocs) != "ip=192.0.2.1" || len(errs) != 1 {
		t.Errorf("header mode: %s %v", values(iocs), errs)
	}
}

func TestParseSTIX(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	iocs, errs := cti.ParseSTIX(read(t, "bundle.json"), now)
	want := "ip=192.0.2.66 domain=login-bank.example url=https://login-bank.example/x hash=sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if got := values(iocs); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "indicator--4c7b5b88") {
		t.Errorf("errors %v, want one for the complex pattern", errs)
	}
	if iocs[0].Description != "C2 server" || iocs[0].Ref != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" {
		t.Errorf("ioc %+v", iocs[0])
	}
	if _, errs := cti.ParseSTIX([]byte(`{"type":"indicator"}`), now); len(errs) != 1 {
		t.Error("a non-bundle accepted")
	}
	if iocs, _ := cti.ParseSTIX([]byte(`{"type":"bundle","objects":[{"type":"indicator","pattern":"[ipv4-addr:value = 'evil.example']"}]}`), now); len(iocs) != 0 {
		t.Error("a domain accepted as an ipv4-addr")
	}
}

func TestParseMISP(t *testing.T) {
	ids, err := cti.ParseMISPManifest(read(t, "misp/manifest.json"))
	if err != nil || len(ids) != 1 {
		t.Fatalf("manifest: %v %v", ids, err)
	}
	iocs, errs := cti.ParseMISPEvent(read(t, "misp/"+ids[0]+".json"))
	want := "ip=198.51.100.200 ip=198.51.100.201 domain=c2.botnet.example hash=sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	if got := values(iocs); got != want || len(errs) != 0 {
		t.Errorf("got  %s (%v)\nwant %s", got, errs, want)
	}
	if iocs[0].Description != "Botnet C2" {
		t.Errorf("description %q", iocs[0].Description)
	}
	if _, err := cti.ParseMISPManifest([]byte(`{"../../etc/passwd": {}}`)); err == nil {
		t.Error("a manifest key that is not a UUID was accepted (it becomes a path)")
	}
}

func TestSetMatching(t *testing.T) {
	set, errs := cti.NewSet([]cti.IOC{
		{Type: cti.TypeIP, Value: "203.0.113.0/24"}, {Type: cti.TypeIP, Value: "203.0.113.7", Description: "exact"},
		{Type: cti.TypeIP, Value: "2001:db8::/32"}, {Type: cti.TypeDomain, Value: "evil.example"}, {Type: cti.TypeIP, Value: "bad"},
	})
	if len(errs) != 1 {
		t.Errorf("errors %v", errs)
	}
	if i, ok := set.MatchIP(netip.MustParseAddr("203.0.113.7")); !ok || i.Description != "exact" {
		t.Errorf("most specific not chosen: %+v", i)
	}
	if _, ok := set.MatchIP(netip.MustParseAddr("::ffff:203.0.113.9")); !ok {
		t.Error("mapped IPv4 not matched")
	}
	if _, ok := set.MatchIP(netip.MustParseAddr("2001:db8:1::1")); !ok {
		t.Error("IPv6 prefix not matched")
	}
	if _, ok := set.MatchIP(netip.MustParseAddr("198.51.100.1")); ok {
		t.Error("unlisted address matched")
	}
	for name, want := range map[string]bool{"evil.example": true, "www.evil.example.": true, "EVIL.example": true, "notevil.example": false, "example": false} {
		if _, ok := set.MatchDomain(name); ok != want {
			t.Errorf("MatchDomain(%q) = %v, want %v", name, ok, want)
		}
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add(string(read(f, "iocs.csv")))
	f.Add("type,value\nip,10.0.0.0/8\n")
	f.Fuzz(func(t *testing.T, data string) {
		iocs, _ := cti.ParseCSV([]byte(data))
		if _, errs := cti.NewSet(iocs); len(errs) > 0 {
			t.Fatalf("parsed indicators the index refuses: %v", errs)
		}
	})
}

func FuzzParseSTIX(f *testing.F) {
	f.Add(string(read(f, "bundle.json")))
	f.Add(`{"type":"bundle","objects":[{"type":"indicator","pattern":"[url:value = 'http://a.example/\\'x']"}]}`)
	f.Fuzz(func(t *testing.T, data string) {
		iocs, _ := cti.ParseSTIX([]byte(data), time.Unix(0, 0))
		if _, errs := cti.NewSet(iocs); len(errs) > 0 {
			t.Fatalf("parsed indicators the index refuses: %v", errs)
		}
	})
}

func FuzzParseMISPEvent(f *testing.F) {
	f.Add(string(read(f, "misp/5f1c4a2e-3b1d-4c8e-9a51-0242ac120002.json")))
	f.Fuzz(func(t *testing.T, data string) {
		iocs, _ := cti.ParseMISPEvent([]byte(data))
		if _, errs := cti.NewSet(iocs); len(errs) > 0 {
			t.Fatalf("parsed indicators the index refuses: %v", errs)
		}
	})
}

func BenchmarkSetMatch(b *testing.B) {
	iocs, _ := cti.ParseCSV(read(b, "iocs.csv"))
	set, _ := cti.NewSet(iocs)
	addr := netip.MustParseAddr("203.0.113.9")
	for b.Loop() {
		set.MatchIP(addr)
		set.MatchDomain("www.evil.example")
	}
}
