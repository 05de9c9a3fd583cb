package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/query"
)

// queryFixture stores four alerts that the query tests select from.
func queryFixture(t *testing.T, o Opener) (store.Store, func(q string) []string) {
	s, ctx := open(t, o)
	conf := 0.9
	put(t, ctx, s,
		alert(id(1), base.Add(1*time.Minute), func(a *idmefv2.Alert) {
			a.Priority = idmefv2.PriorityHigh
			a.Category = []idmefv2.Category{"Access.Forced"}
			a.Description = "SSH brute force against web-01"
			s := src("10.1.2.3")
			s.Protocol = []string{"TCP", "SSH"}
			a.Source = []idmefv2.Source{s}
			a.Target = []idmefv2.Target{{ID: "t1", IP: "192.168.1.10", Hostname: "web-01.corp", User: "alice", Service: "ssh", Port: []int{22}}}
		}),
		alert(id(2), base.Add(2*time.Minute), func(a *idmefv2.Alert) {
			a.Priority = idmefv2.PriorityLow
			a.Description = "Port scan"
			a.Source = []idmefv2.Source{src("2001:db8::5")}
			a.Target = []idmefv2.Target{{ID: "t2", IP: "192.168.1.20", Hostname: "db-01.corp", User: "bob", Port: []int{5432}}}
		}),
		alert(id(3), base.Add(3*time.Minute), func(a *idmefv2.Alert) {
			a.Category = []idmefv2.Category{"Access.Backdoor"}
			a.Cause = idmefv2.CauseMalicious
			a.Note = "ransomware dropper"
			a.Confidence = &conf
			a.Source = []idmefv2.Source{src("10.9.9.9"), src("203.0.113.7")}
			a.Target = []idmefv2.Target{tgt("10.0.0.1")}
			a.Attachment = []idmefv2.Attachment{{Name: "a1", FileName: "evil.exe"}}
		}),
		alert(id(4), base.Add(4*time.Minute), func(a *idmefv2.Alert) {
			a.Priority = idmefv2.PriorityInfo
			a.Category = []idmefv2.Category{"Availability.Outage"}
			a.Description = "Service outage"
			a.Target = []idmefv2.Target{{ID: "t4", Hostname: "web-02.corp"}}
		}),
	)
	return s, func(q string) []string {
		t.Helper()
		return sorted(ids(t, t.Context(), s, store.SearchRequest{Filter: store.Filter{Query: q}, Limit: 2}))
	}
}

func testQuery(t *testing.T, o Opener) {
	s, search := queryFixture(t, o)
	ctx := t.Context()
	st := store.StateAcknowledged
	who := "bob"
	if _, err := s.UpdateAlerts(ctx, []string{id(2)}, store.Change{State: &st, Assignee: &who, AddTags: []string{"scan"}}, "ana"); err != nil {
		t.Fatal(err)
	}
	all := []string{id(1), id(2), id(3), id(4)}
	tests := []struct {
		name, q string
		want    []string
	}{
		{"empty", "", all},
		{"IPv4 any source", "Source(*).IP = 10.1.2.3", []string{id(1)}},
		{"implied any element", "Source.IP = 203.0.113.7", []string{id(3)}},
		{"CIDR with =", "Source(*).IP = 10.0.0.0/8", []string{id(1), id(3)}},
		{"CIDR with in", "Source.IP in 2001:db8::/32", []string{id(2)}},
		{"IPv6 other spelling", "Source.IP = 2001:db8:0:0::5", []string{id(2)}},
		{"in list", "Source.IP in (10.1.2.3, 2001:db8::5)", []string{id(1), id(2)}},
		{"!= on a list", "Source(*).IP != 10.1.2.3", []string{id(2), id(3), id(4)}},
		{"target CIDR", "Target.IP = 192.168.1.0/24", []string{id(1), id(2)}},
		{"wildcard *", `Target.Hostname ~ "web-*"`, []string{id(1), id(4)}},
		{"wildcard ?", "Target.Hostname ~ web-0?.corp", []string{id(1), id(4)}},
		{"priority range", "Priority >= Medium", []string{id(1), id(3)}},
		{"priority any case", "Priority = high", []string{id(1)}},
		{"or", "Category = Access.Forced or Category = Recon.Network", []string{id(1), id(2)}},
		{"and", "Target.User = alice and Priority = High", []string{id(1)}},
		{"implicit and", "Target.User = alice Priority = Low", nil},
		{"not exists class", "not exists Source", []string{id(4)}},
		{"exists indexed", "exists Source.IP", []string{id(1), id(2), id(3)}},
		{"port equal", "Target.Port = 22", []string{id(1)}},
		{"port range", "Target.Port > 1000", []string{id(2)}},
		{"scalar column", "Cause = Malicious", []string{id(3)}},
		{"scalar != includes absent", "Cause != Malicious", []string{id(1), id(2), id(4)}},
		{"free text word", "brute", []string{id(1)}},
		{"free text phrase", `"brute force"`, []string{id(1)}},
		{"free text prefix", "ransom*", []string{id(3)}},
		{"free text file name", `"evil.exe"`, []string{id(3)}},
		{"free text and term", "outage Priority = Info", []string{id(4)}},
		{"fallback list in class", "Source.Protocol = SSH", []string{id(1)}},
		{"fallback number", "Confidence > 0.5", []string{id(3)}},
		{"fallback explicit index", "Source(1).IP = 203.0.113.7", []string{id(3)}},
		{"fallback explicit index misses", "Source(0).IP = 203.0.113.7", nil},
		{"fallback wildcard", `Analyzer.Hostname ~ "ids-*"`, all},
		{"parentheses and not", "(Category = Recon.Network or brute) and not Priority = Low", []string{id(1)}},
		{"time", "CreateTime >= " + idmefv2.FormatTime(base.Add(3*time.Minute)), []string{id(3), id(4)}},
		{"relative time", "CreateTime > now-1h", nil},
		{"ID", "ID = " + id(3), []string{id(3)}},
		{"state", "state = acknowledged", []string{id(2)}},
		{"state not", "not state = acknowledged", []string{id(1), id(3), id(4)}},
		{"assignee", "assignee = bob", []string{id(2)}},
		{"tag", "tag = scan", []string{id(2)}},
		{"attachment file name", "Attachment.FileName = evil.exe", []string{id(3)}},
		{"superseded false", "superseded = false", all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, search(tt.q)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.q, diff)
			}
		})
	}
	t.Run("time range fields", func(t *testing.T) {
		got := sorted(ids(t, ctx, s, store.SearchRequest{Filter: store.Filter{From: base.Add(2 * time.Minute), To: base.Add(4 * time.Minute)}}))
		if diff := cmp.Diff([]string{id(2), id(3)}, got); diff != "" {
			t.Errorf("From/To (-want +got):\n%s", diff)
		}
	})
}

func testQueryErrors(t *testing.T, o Opener) {
	s, _ := queryFixture(t, o)
	tests := []struct {
		name, q string
		pos     int // -1: any position
	}{
		{"unknown path", "Sorce.IP = 1.2.3.4", 0},
		{"missing value", "Priority =", 10},
		{"bad address", "Source.IP = banana", 12},
		{"bad CIDR", "Source.IP = 10.0.0.0/99", 12},
		{"bad priority", "Priority > Severe", 11},
		{"bad state", "state = done", 8},
		{"bad time", "CreateTime > yesterday", 13},
		{"unclosed paren", "(brute", 6},
		{"unterminated string", `"brute`, 0},
		{"port not a number", "Target.Port = ssh", 14},
		{"tilde on address", "Source.IP ~ 10.*", 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Search(t.Context(), store.SearchRequest{Filter: store.Filter{Query: tt.q}})
			if !errors.Is(err, store.ErrInvalidQuery) {
				t.Fatalf("Search(%q) = %v, want ErrInvalidQuery", tt.q, err)
			}
			qe, ok := errors.AsType[*query.Error](err)
			if !ok {
				t.Fatalf("Search(%q) error %v is not a *query.Error", tt.q, err)
			}
			if qe.Pos != tt.pos {
				t.Errorf("Search(%q) error at %d, want %d: %v", tt.q, qe.Pos, tt.pos, err)
			}
		})
	}
	t.Run("bad cursor", func(t *testing.T) {
		_, err := s.Search(t.Context(), store.SearchRequest{Cursor: "garbage"})
		if !errors.Is(err, store.ErrInvalidQuery) {
			t.Errorf("err = %v, want ErrInvalidQuery", err)
		}
	})
	t.Run("bad sort", func(t *testing.T) {
		_, err := s.Search(t.Context(), store.SearchRequest{Sort: "random"})
		if !errors.Is(err, store.ErrInvalidQuery) {
			t.Errorf("err = %v, want ErrInvalidQuery", err)
		}
	})
}
