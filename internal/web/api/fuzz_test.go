package api

import (
	"net/http"
	"net/url"
	"testing"
)

// FuzzSearchParams sends random filters and parameters to the search and
// aggregation routes: every answer must be a 200 or a 4xx in the error
// envelope, never a 5xx or a panic.
func FuzzSearchParams(f *testing.F) {
	fx := newFixture(f, fixtureOptions{alerts: 50})
	for _, seed := range []struct{ q, from, sort, limit, path string }{
		{"Priority = High", "-24h", "time_desc", "10", "Category"},
		{`Source(*).IP = 10.0.0.0/8 and not exists Target.User`, "now-7d", "priority_asc", "1", "Source.IP"},
		{`Category ~ "Recon.*" or Target.Hostname in (web-01, web-02)`, "2026-02-28T00:00:00Z", "", "", "Analyzer.Name"},
		{`"brute force" state = new tag = x`, "", "time_asc", "1000", "state"},
		{`(((`, "-", "bogus", "-1", ""},
		{`Priority >= "`, "now+", "", "abc", "Source(0).IP"},
		{"CreateTime > now-1h", "", "", "", "tag"},
	} {
		f.Add(seed.q, seed.from, seed.sort, seed.limit, seed.path)
	}
	f.Fuzz(func(t *testing.T, q, from, sort, limit, path string) {
		v := url.Values{"q": {q}, "from": {from}, "sort": {sort}, "limit": {limit}}
		g := url.Values{"q": {q}, "from": {from}, "path": {path}}
		for _, target := range []string{
			"/api/v1/alerts?" + v.Encode(),
			"/api/v1/alerts/groups?" + g.Encode(),
			"/api/v1/alerts/top?" + g.Encode(),
			"/api/v1/alerts/histogram?" + url.Values{"q": {q}, "split_by": {path}, "bucket": {limit}}.Encode(),
		} {
			rec := fx.do("GET", target, fx.creds["viewer"], "")
			if rec.Code >= 500 || (rec.Code != http.StatusOK && rec.Code < 400) {
				t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
			}
		}
	})
}
