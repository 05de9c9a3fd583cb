package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store/query"
)

func TestAttachmentOf(t *testing.T) {
	img := attachmentOf(idmefv2.Attachment{Name: "snap", ContentType: "image/png", ContentEncoding: "base64", Content: json.RawMessage(`"iVBORw0KGgo="`)})
	if img.Image != "data:image/png;base64,iVBORw0KGgo=" {
		t.Errorf("image: %q", img.Image)
	}
	svg := attachmentOf(idmefv2.Attachment{Name: "x", ContentType: "image/svg+xml", ContentEncoding: "base64", Content: json.RawMessage(`"PHN2Zy8+"`)})
	if svg.Image != "" || svg.Text != "<svg/>" {
		t.Errorf("SVG must not be inlined as an image: %+v", svg)
	}
	js := attachmentOf(idmefv2.Attachment{Name: "req", ContentEncoding: "json", Content: json.RawMessage(`{"b":1,"a":[2]}`)})
	if !strings.Contains(js.JSON, "\n  \"b\": 1") {
		t.Errorf("JSON not pretty-printed: %q", js.JSON)
	}
	enr := attachmentOf(idmefv2.Attachment{Name: "enrichment", ContentEncoding: "json", Content: json.RawMessage(`{"geo":{"country":"FR"},"ti":["x"]}`)})
	if len(enr.Enrichment) != 2 || enr.Enrichment[0] != [2]string{"geo.country", "FR"} || enr.Enrichment[1] != [2]string{"ti[0]", "x"} {
		t.Errorf("enrichment table: %v", enr.Enrichment)
	}
	links := attachmentOf(idmefv2.Attachment{Name: "l", ExternalURI: []string{"https://ti.example/x", "javascript:alert(1)", "file:///etc/passwd"}})
	if len(links.Links) != 1 || links.Links[0] != "https://ti.example/x" {
		t.Errorf("links: %v", links.Links)
	}
	bad := attachmentOf(idmefv2.Attachment{Name: "b", ContentType: "image/png", ContentEncoding: "base64", Content: json.RawMessage(`"%%%"`)})
	if bad.Image != "" || !strings.Contains(bad.Text, "not valid base64") {
		t.Errorf("bad base64: %+v", bad)
	}
}

func TestGroupTerm(t *testing.T) {
	got := groupTerm([]string{"Category", "Source(*).IP", "Cause"}, []string{`Recon "x"`, "10.0.0.1", ""})
	want := `Category = "Recon \"x\"" and Source(*).IP = "10.0.0.1" and not exists Cause`
	if got != want {
		t.Fatalf("groupTerm = %s, want %s", got, want)
	}
	if _, err := query.Parse(got); err != nil {
		t.Fatalf("group term does not parse: %v", err)
	}
}

func TestParseGeo(t *testing.T) {
	for in, ok := range map[string]bool{"48.85, 2.35": true, "-23.5,-46.6,760": true, "91,0": false, "a,b": false, "1": false} {
		if _, _, got := parseGeo(in); got != ok {
			t.Errorf("parseGeo(%q) ok = %v, want %v", in, got, ok)
		}
	}
}

// FuzzInputs checks the parsers of user input: time ranges, absolute
// times, locations and graph nodes, and that a quoted value always makes a
// valid query.
func FuzzInputs(f *testing.F) {
	for _, s := range []string{"24h", "7d", "2026-01-02T03:04", "48.1, 2.3", "ip:10.0.0.1", `host:"a\b"`, "", "0d", "-1h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := parseRelative(s); err == nil && d <= 0 {
			t.Errorf("parseRelative(%q) = %v", s, d)
		}
		_, _ = parseTimeInput(s)
		if lat, lon, ok := parseGeo(s); ok && (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
			t.Errorf("parseGeo(%q) out of range", s)
		}
		if q, ok := entityQuery(s); ok {
			if _, err := query.Parse(q); err != nil && !strings.HasPrefix(s, "ip:") {
				t.Errorf("entityQuery(%q) = %s: %v", s, q, err)
			}
		}
		if !strings.ContainsRune(s, 0) {
			if _, err := query.Parse("Target.Hostname = " + quote(s)); err != nil {
				t.Errorf("quote(%q) does not parse: %v", s, err)
			}
		}
	})
}
