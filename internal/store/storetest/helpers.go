package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/store"
)

// Opener opens a fresh, empty store; the suite closes it.
type Opener func(t *testing.T) store.Store

var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// alert builds a small valid alert; mutate adjusts it.
func alert(id string, at time.Time, mutate func(a *idmefv2.Alert)) *idmefv2.Alert {
	a := &idmefv2.Alert{
		Version:     idmefv2.VersionV08,
		ID:          id,
		CreateTime:  idmefv2.FormatTime(at),
		Priority:    idmefv2.PriorityMedium,
		Category:    []idmefv2.Category{"Recon.Network"},
		Description: "test alert " + id,
		Analyzer:    idmefv2.Analyzer{Name: "suite", Hostname: "ids-1.example", Category: []idmefv2.AnalyzerCategory{"NET.NIDS"}},
		Status:      []idmefv2.Status{idmefv2.StatusEvent},
	}
	if mutate != nil {
		mutate(a)
	}
	return a
}

func src(ip string) idmefv2.Source { return idmefv2.Source{ID: "s-" + ip, IP: ip} }
func tgt(ip string) idmefv2.Target { return idmefv2.Target{ID: "t-" + ip, IP: ip} }

func open(t *testing.T, o Opener) (store.Store, context.Context) {
	t.Helper()
	s := o(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, t.Context()
}

func put(t *testing.T, ctx context.Context, s store.Store, alerts ...*idmefv2.Alert) store.PutResult {
	t.Helper()
	res, err := s.PutAlerts(ctx, alerts)
	if err != nil {
		t.Fatalf("PutAlerts: %v", err)
	}
	return res
}

func get(t *testing.T, ctx context.Context, s store.Store, id string) store.Alert {
	t.Helper()
	a, err := s.Alert(ctx, id)
	if err != nil {
		t.Fatalf("Alert(%s): %v", id, err)
	}
	return a
}

// ids runs a search and returns the IDs of every page, in order.
func ids(t *testing.T, ctx context.Context, s store.Store, req store.SearchRequest) []string {
	t.Helper()
	var out []string
	for range 1000 {
		res, err := s.Search(ctx, req)
		if err != nil {
			t.Fatalf("Search(%q): %v", req.Query, err)
		}
		for _, a := range res.Alerts {
			out = append(out, a.ID)
		}
		if res.Next == "" {
			return out
		}
		req.Cursor = res.Next
	}
	t.Fatal("Search: more than 1000 pages")
	return nil
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// generated returns n alertgen alerts spread over the hour before end.
func generated(t *testing.T, seed uint64, n int, end time.Time) []*idmefv2.Alert {
	t.Helper()
	i := 0
	g, err := alertgen.New(alertgen.Options{Seed: seed, Now: func() time.Time {
		i++
		return end.Add(-time.Hour + time.Duration(i)*time.Hour/time.Duration(n+1))
	}})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*idmefv2.Alert, n)
	for j := range out {
		out[j] = g.Next()
	}
	return out
}

func id(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }
