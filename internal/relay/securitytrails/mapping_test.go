package securitytrails

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/internal/relay"
)

// vectorFile reads a unit vector file from testdata.
func vectorFile(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vectors", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestMappingVectors replays mapping.json: one record set → at most one
// sighting, exactly as given apart from id and observed_time.
func TestMappingVectors(t *testing.T) {
	var file struct {
		Cases []struct {
			Name       string           `json:"name"`
			Observable relay.Observable `json:"observable"`
			ReferLink  string           `json:"refer_link"`
			Response   map[string]any   `json:"securitytrails_response"`
			Expected   map[string]any   `json:"expected_sighting_without_id_and_observed_time"`
		} `json:"cases"`
	}
	vectorFile(t, "mapping.json", &file)
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			rt := TypeA
			if strings.Contains(c.Name, "aaaa") {
				rt = TypeAAAA
			}
			rs := &RecordSet{Page: c.Response, Records: records(c.Response)}
			s, err := sightingFor(c.Observable, rs, rt, c.ReferLink, now, func() string { return "transient:sighting-x" })
			if err != nil {
				t.Fatal(err)
			}
			if c.Expected == nil {
				if s != nil {
					t.Fatalf("got a sighting %+v, want none", s)
				}
				return
			}
			if s == nil {
				t.Fatal("got no sighting")
			}
			if s.ID != "transient:sighting-x" || s.ObservedTime != (relay.ObservedTime{StartTime: "2024-01-01T00:00:00Z", EndTime: "2024-01-01T00:00:00Z"}) {
				t.Errorf("id/observed_time = %q/%+v", s.ID, s.ObservedTime)
			}
			var got map[string]any
			b, _ := json.Marshal(s)
			json.Unmarshal(b, &got)
			delete(got, "id")
			delete(got, "observed_time")
			if diff := cmp.Diff(c.Expected, got); diff != "" {
				t.Errorf("sighting (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMappingShapeErrors covers the key-error cases of SPEC §5.2 and the
// crashes of the original that Vigie tolerates.
func TestMappingShapeErrors(t *testing.T) {
	domain := relay.Observable{Type: "domain", Value: "x.com"}
	ip := relay.Observable{Type: "ip", Value: "1.1.1.1"}
	tests := []struct {
		name    string
		obs     relay.Observable
		page    string
		wantErr bool
		wantRel int
	}{
		{"history record without values", domain, `{"type":"a/ipv4","records":[{"type":"a"}]}`, true, 0},
		{"history value without ip or ipv6", domain, `{"type":"a/ipv4","records":[{"values":[{"zzz":1}]}]}`, true, 0},
		{"history empty ip falls back to ipv6", domain, `{"type":"a/ipv4","records":[{"values":[{"ip":"","ipv6":"::1"}]}]}`, false, 1},
		{"history null ipv6 skipped", domain, `{"type":"a/ipv4","records":[{"values":[{"ipv6":null},{"ip":"1.2.3.4"}]}]}`, false, 1},
		{"domains record without hostname", ip, `{"record_count":1,"records":[{"x":1}]}`, true, 0},
		{"domains without record_count", ip, `{"records":[{"hostname":"a.com"}]}`, true, 0},
		{"domains null hostname skipped", ip, `{"record_count":2,"records":[{"hostname":null},{"hostname":"a.com"}]}`, false, 1},
		{"domains no records", ip, `{"record_count":0,"records":[]}`, false, 0},
		{"unsupported type", relay.Observable{Type: "url", Value: "u"}, `{"records":[{"hostname":"a"}]}`, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var page map[string]any
			if err := json.Unmarshal([]byte(tt.page), &page); err != nil {
				t.Fatal(err)
			}
			s, err := sightingFor(tt.obs, &RecordSet{Page: page, Records: records(page)}, TypeA, "u", time.Now(), func() string { return "id" })
			if tt.wantErr {
				if !errors.Is(err, ErrUnexpectedShape) {
					t.Fatalf("err = %v, want ErrUnexpectedShape", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			if s != nil {
				got = len(s.Relations)
			}
			if got != tt.wantRel {
				t.Errorf("%d relations, want %d", got, tt.wantRel)
			}
		})
	}
}

func TestReferURL(t *testing.T) {
	tests := []struct {
		obs  relay.Observable
		want string
	}{
		{relay.Observable{Type: "ip", Value: "1.1.1.1"}, "https://securitytrails.com/list/ip/1.1.1.1"},
		{relay.Observable{Type: "ipv6", Value: "2001:db8::1"}, "https://securitytrails.com/list/ip/2001:db8::1"},
		{relay.Observable{Type: "domain", Value: "cisco.com"}, "https://securitytrails.com/domain/cisco.com/dns"},
		{relay.Observable{Type: "ip", Value: "a/"}, "https://securitytrails.com/list/ip/a"},
		{relay.Observable{Type: "domain", Value: "/a b?c/"}, "https://securitytrails.com/domain//a b?c//dns"},
	}
	for _, tt := range tests {
		t.Run(tt.obs.Type+" "+tt.obs.Value, func(t *testing.T) {
			if got := uiURL(tt.obs); got != tt.want {
				t.Errorf("uiURL = %q, want %q", got, tt.want)
			}
		})
	}
}
