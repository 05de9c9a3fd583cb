package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/internal/store"
)

// benchFixture is shared by the benchmarks of one run: filling 100k alerts
// takes longer than the benchmarks themselves.
func benchFixture(b *testing.B, n int) *fixture {
	b.Helper()
	return newFixture(b, fixtureOptions{alerts: n})
}

// BenchmarkSearch measures GET /api/v1/alerts over 100k stored alerts,
// authenticated with an API token, JSON encoding included.
func BenchmarkSearch(b *testing.B) {
	f := benchFixture(b, 100_000)
	cases := []struct{ name, query string }{
		{"latest page", "limit=50"},
		{"filtered", "limit=50&q=" + url.QueryEscape("Priority = High and Target.IP = 10.0.0.0/8")},
		{"free text", "limit=50&q=" + url.QueryEscape(`"failed password"`)},
		{"last hour with total", "limit=50&from=-1h&total=true"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := f.do("GET", "/api/v1/alerts?"+c.query, f.creds["analyst-token"], "")
				if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"alerts":[]`) {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkAlertDetail measures GET /api/v1/alerts/{id}.
func BenchmarkAlertDetail(b *testing.B) {
	f := benchFixture(b, 10_000)
	path := "/api/v1/alerts/" + url.PathEscape(f.alerts[5000].ID)
	b.ReportAllocs()
	for b.Loop() {
		rec := f.do("GET", path, f.creds["analyst-token"], "")
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkSummarize measures building the 50 summaries of a page, the
// API's own share of a search.
func BenchmarkSummarize(b *testing.B) {
	f := benchFixture(b, 50)
	res, err := f.store.Search(b.Context(), store.SearchRequest{Limit: 50})
	if err != nil || len(res.Alerts) != 50 {
		b.Fatalf("search: %d alerts, %v", len(res.Alerts), err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, a := range res.Alerts {
			_ = summarize(a)
		}
	}
}
