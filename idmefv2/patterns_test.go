package idmefv2

import (
	"net/url"
	"regexp"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// matchers pairs each hand-written matcher with the schema regexp it must
// implement exactly.
var matchers = []struct {
	name  string
	re    string
	match func(string) bool
}{
	{"UUID", patternUUID, matchUUID},
	{"Timestamp", patternTimestamp, matchTimestamp},
	{"IP", patternIP, matchIP},
	{"GeoLocation", patternGeoLocation, matchGeoLocation},
	{"UNLocode", patternUNLocode, matchUNLocode},
	{"MediaType", patternMediaType, matchMediaType},
	{"Protocol", patternProtocol, matchProtocol},
	{"Hash", patternHash, matchHash},
	{"AttachmentName", patternAttachmentName, matchAttachmentName},
}

// patternCases are inputs with the expected verdict, chosen at the corners
// of each expression.
var patternCases = map[string]map[string]bool{
	"UUID": {
		"3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f": true, "3F2B8C1E-5D4A-4C6B-9E7F-1A2B3C4D5E6F": true,
		"3f2b8c1e5d4a4c6b9e7f1a2b3c4d5e6f": false, "3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6": false,
		"3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6g": false, "{3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f}": false,
		"3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f\n": false, "": false,
	},
	"Timestamp": {
		"2026-05-10T08:00:00Z": true, "2026-05-10T08:00:00.123456789+02:00": true, "2026-05-10T08:00:00": true,
		"2026-00-10T08:00:00Z": true, "2026-02-31T23:59:60-23:59": true, "2026-05-10t08:00:00Z": false,
		"2026-05-10T24:00:00Z": false, "2026-13-10T08:00:00Z": false, "2026-05-32T08:00:00Z": false,
		"2026-05-10T08:60:00Z": false, "2026-05-10T08:00:61Z": false, "2026-05-10T08:00:00.Z": false,
		"2026-05-10T08:00:00z": false, "2026-05-10T08:00:00+24:00": false, "2026-05-10T08:00:00+0200": false,
		"2026-05-10 08:00:00Z": false, "26-05-10T08:00:00Z": false,
	},
	"IP": {
		"192.0.2.1": true, "001.002.003.004": true, "255.255.255.255": true, "256.1.1.1": false, "1.2.3": false,
		"1.2.3.4.5": false, "::": true, "::1": true, "1::": true, "2001:db8::1": true, "1:2:3:4:5:6:7:8": true,
		"1:2:3:4:5:6:7::": true, "1:2:3:4:5:6:7:8:9": false, "1::2::3": false, ":::": false, "12345::": false,
		"::ffff:192.0.2.1": true, "::ffff:0:192.0.2.1": true, "::192.0.2.1": true, "64:ff9b::192.0.2.1": true,
		"::ffff:001.2.3.4": false, "::ffff:00000:1.2.3.4": false, "1:2:3:4:5::1.2.3.4": false,
		"fe80::1%eth0": true, "fe80:%x": true, "FE80::1%eth0": false, "fe80::1%": false, "fe80::1%eth-0": false,
		"fe80:1::%e": false, "::1/128": false, "2001:DB8::A": true,
	},
	"GeoLocation": {
		"48.8584,2.2945": true, "+48.75726, +2.299528, +65.1": true, "1.,2.": true, "1,2,3,4": false,
		"48.8584": false, ".5,1": false, "1,  2": false, "North Pole": false, "1 ,2": false,
	},
	"UNLocode": {"FR PAR": true, "FRPAR": true, "fr par": false, "FR  PAR": false, "FR PA": false, "FRPARI": false},
	"MediaType": {
		"text/plain": true, "application/vnd.tcpdump.pcap": true, `text/plain; charset="utf-8"`: true,
		"text/plain;charset=utf-8": true, "text/plain ;\tcharset=utf-8;a=b": true, `a/b; c="x\"y"`: false,
		`a/b; c="x\ y"`: true, `a/b; c="x\;y"`: false, "text/": false, "text/plain;": false, "text/plain ": false,
		`a/b; c="é"`: false, "a/b/c": false,
	},
	"Protocol": {"tcp": true, "http-alt": true, "a-b-c": true, "-tcp": false, "tcp-": false, "a--b": false, "TCP/IP": false, "": false},
	"Hash": {
		"sha-256:9f86d081": true, "md5:DC89": true, "sha256=9f86": false, "sha256:9f8": false, "sha256:": false,
		":9f86": false, "sha_256:9f86": false, "a:b:cd": false,
	},
	"AttachmentName": {"pcap1": true, "A": true, "": false, "pcap-1": false, "pcap 1": false, "é": false},
}

func TestMatchersAgreeWithRegexp(t *testing.T) {
	for _, m := range matchers {
		re := regexp.MustCompile(m.re)
		t.Run(m.name, func(t *testing.T) {
			cases := patternCases[m.name]
			if len(cases) == 0 {
				t.Fatal("no cases")
			}
			for in, want := range cases {
				if got := m.match(in); got != want {
					t.Errorf("match%s(%q) = %v, want %v", m.name, in, got, want)
				}
				if got := re.MatchString(in); got != want {
					t.Errorf("regexp %s on %q = %v, want %v (the case table is wrong)", m.name, in, got, want)
				}
			}
		})
	}
}

// FuzzPatterns checks every matcher against its regexp on the same input.
func FuzzPatterns(f *testing.F) {
	for _, cases := range patternCases {
		for in := range cases {
			f.Add(in)
		}
	}
	res := make([]*regexp.Regexp, len(matchers))
	for i, m := range matchers {
		res[i] = regexp.MustCompile(m.re)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i, m := range matchers {
			if got, want := m.match(s), res[i].MatchString(s); got != want {
				t.Errorf("match%s(%q) = %v, regexp says %v", m.name, s, got, want)
			}
		}
	})
}

// formatOracle compiles {"format": name} with the oracle library.
func formatOracle(t testing.TB, name string) *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("f.json", map[string]any{"$schema": "http://json-schema.org/draft-04/schema#", "format": name}); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("f.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var formatCases = []string{
	"john@example.com", "@example.com", "a..b@example.com", ".a@example.com", `"a b"@x.org`, `"a\b"@x.org`,
	"x@[192.0.2.1]", "x@[IPv6:::1]", "x@[1.2.3]", "x@-a.com", "x@a-.com", "x@a_b.com", "x@é.com", "not-an-email",
	"https://example.com/a?b#c", "urn:isbn:123", "/relative", "not a uri", "http://[::1]:80/", "http://[::g]/",
	"http://::1/", "mailto:x@y", "http://a b/", "", "http://[fe80::1%25eth0]/",
	// Around opaqueURI's fast path.
	"urn:suricata:sid:2009582", "urn:", "urn:/x", "1urn:x", "u rn:x", "u_rn:x", "a+b.c-d:x", "urn:x?y", "urn:x?",
	"urn:x#y", "urn:%41", "urn:%zz", "urn:x\x7f", "urn:x\x01", "urn:é", ":x", "urn:[::1]", "urn:a b",
}

// TestOpaqueURIIsURLParse checks that what opaqueURI accepts, url.Parse
// parses as an absolute URL without a host.
func TestOpaqueURIIsURLParse(t *testing.T) {
	for _, s := range formatCases {
		if !opaqueURI(s) {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || !u.IsAbs() || u.Host != "" {
			t.Errorf("opaqueURI(%q) but url.Parse gives %+v, %v", s, u, err)
		}
	}
}

func TestFormatsAgreeWithOracle(t *testing.T) {
	email, uri := formatOracle(t, "email"), formatOracle(t, "uri")
	for _, s := range formatCases {
		if got, want := isEmail(s), email.Validate(s) == nil; got != want {
			t.Errorf("isEmail(%q) = %v, oracle says %v", s, got, want)
		}
		if got, want := isURI(s), uri.Validate(s) == nil; got != want {
			t.Errorf("isURI(%q) = %v, oracle says %v", s, got, want)
		}
	}
}

// FuzzFormats checks isEmail and isURI against the oracle library.
func FuzzFormats(f *testing.F) {
	for _, s := range formatCases {
		f.Add(s)
	}
	email, uri := formatOracle(f, "email"), formatOracle(f, "uri")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isEmail(s), email.Validate(s) == nil; got != want {
			t.Errorf("isEmail(%q) = %v, oracle says %v", s, got, want)
		}
		if got, want := isURI(s), uri.Validate(s) == nil; got != want {
			t.Errorf("isURI(%q) = %v, oracle says %v", s, got, want)
		}
	})
}

// TestMatchUUIDEveryByte checks the word-at-a-time UUID matcher against the
// byte rule for every byte value at every position.
func TestMatchUUIDEveryByte(t *testing.T) {
	const valid = "3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f"
	for p := range len(valid) {
		for b := range 256 {
			s := []byte(valid)
			s[p] = byte(b)
			want := isHex(byte(b))
			if p == 8 || p == 13 || p == 18 || p == 23 {
				want = b == '-'
			}
			if got := matchUUID(string(s)); got != want {
				t.Errorf("byte %#x at %d: matchUUID = %v, want %v", b, p, got, want)
			}
		}
	}
}
