package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

// TestReadRoutes covers the read-only routes for every kind of credential.
func TestReadRoutes(t *testing.T) {
	f := newFixture(t, fixtureOptions{alerts: 300})
	first := f.alerts[0]
	id := url.PathEscape(first.ID)
	q := url.QueryEscape

	scenarios := []scenario{
		{name: "healthz needs no credentials", method: "GET", path: "/healthz", status: 200},
		{name: "readyz", method: "GET", path: "/readyz", status: 200},
		{name: "openapi document", method: "GET", path: "/api/openapi.json", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				if doc := decode[map[string]any](t, b); doc["openapi"] != "3.1.0" {
					t.Errorf("openapi = %v", doc["openapi"])
				}
			}},
		{name: "metrics open by default", method: "GET", path: "/metrics", status: 200},

		{name: "search without credentials", method: "GET", path: "/api/v1/alerts", status: 401, code: CodeUnauthenticated},
		{name: "search with a wrong password", method: "GET", path: "/api/v1/alerts", as: "bad-password", status: 401, code: CodeUnauthenticated},
		{name: "search with a malformed bearer token", method: "GET", path: "/api/v1/alerts", header: http.Header{"Authorization": {"Bearer vgt_nope"}}, status: 401, code: CodeUnauthenticated},
		{name: "search with an unknown scheme", method: "GET", path: "/api/v1/alerts", header: http.Header{"Authorization": {"Digest x"}}, status: 401, code: CodeUnauthenticated},
		{name: "sensor token cannot read alerts", method: "GET", path: "/api/v1/alerts", as: "sensor-token", status: 403, code: CodeForbidden},
		{name: "bootstrap admin with HTTP Basic", method: "GET", path: "/api/v1/alerts?limit=5", as: "admin", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				res := decode[searchResponse](t, b)
				if len(res.Alerts) != 5 || res.NextCursor == "" {
					t.Fatalf("got %d alerts, cursor %q; want 5 and a cursor", len(res.Alerts), res.NextCursor)
				}
				if !sortedDesc(res.Alerts) {
					t.Errorf("default order is not newest first")
				}
			}},
		{name: "viewer searches", method: "GET", path: "/api/v1/alerts?total=true&from=-1h", as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				res := decode[searchResponse](t, b)
				// One alert a minute, the last at base; from is inclusive,
				// so [base-1h, base] holds 61.
				if res.Total == nil || *res.Total != 61 {
					t.Fatalf("total = %v, want 61 alerts in the last hour", deref(res.Total))
				}
				for _, a := range res.Alerts {
					if a.CreateTime.Before(base.Add(-time.Hour)) {
						t.Errorf("alert at %s is before from", a.CreateTime)
					}
				}
			}},
		{name: "analyst token searches by priority", method: "GET", path: "/api/v1/alerts?q=" + q("Priority = High") + "&sort=time_asc&limit=1000", as: "analyst-token", status: 200,
			check: func(t *testing.T, f *fixture, b []byte) {
				res := decode[searchResponse](t, b)
				want := 0
				for _, a := range f.alerts {
					if a.Priority == idmefv2.PriorityHigh {
						want++
					}
				}
				if len(res.Alerts) != want || want == 0 {
					t.Fatalf("got %d High alerts, want %d", len(res.Alerts), want)
				}
				for _, a := range res.Alerts {
					if a.Priority != "High" {
						t.Errorf("alert %s has priority %q", a.ID, a.Priority)
					}
				}
			}},
		{name: "summary fields", method: "GET", path: "/api/v1/alerts?q=" + q(`ID = "`+first.ID+`"`), as: "viewer", status: 200,
			check: func(t *testing.T, f *fixture, b []byte) {
				res := decode[searchResponse](t, b)
				if len(res.Alerts) != 1 {
					t.Fatalf("got %d alerts, want 1", len(res.Alerts))
				}
				s := res.Alerts[0]
				if s.ID != first.ID || s.Analyzer.Name != first.Analyzer.Name || s.Description != first.Description ||
					s.Priority != string(first.Priority) || s.State != store.StateNew || !s.CreateTime.Equal(mustTime(t, first.CreateTime)) {
					t.Errorf("summary %+v does not match alert %s", s, first.ID)
				}
			}},
		{name: "malformed query names the position", method: "GET", path: "/api/v1/alerts?q=" + q("Priority = "), as: "viewer", status: 400, code: CodeInvalidQuery,
			check: func(t *testing.T, _ *fixture, b []byte) {
				e := decode[struct {
					Error struct {
						Message string         `json:"message"`
						Details map[string]any `json:"details"`
					} `json:"error"`
				}](t, b)
				if e.Error.Details["parameter"] != "q" || e.Error.Details["position"] == nil || !strings.Contains(e.Error.Message, "offset") {
					t.Errorf("error %+v does not name the parameter and position", e.Error)
				}
			}},
		{name: "unknown path in query", method: "GET", path: "/api/v1/alerts?q=" + q("Nope.Field = 1"), as: "viewer", status: 400, code: CodeInvalidQuery},
		{name: "bad from", method: "GET", path: "/api/v1/alerts?from=yesterday", as: "viewer", status: 400, code: CodeBadRequest},
		{name: "from after to", method: "GET", path: "/api/v1/alerts?from=now&to=-1h", as: "viewer", status: 400, code: CodeBadRequest},
		{name: "bad sort", method: "GET", path: "/api/v1/alerts?sort=random", as: "viewer", status: 400, code: CodeBadRequest},
		{name: "limit too large", method: "GET", path: "/api/v1/alerts?limit=5000", as: "viewer", status: 400, code: CodeBadRequest},
		{name: "bad cursor", method: "GET", path: "/api/v1/alerts?cursor=garbage", as: "viewer", status: 400, code: CodeInvalidQuery},
		{name: "unknown parameter", method: "GET", path: "/api/v1/alerts?qurey=x", as: "viewer", status: 400, code: CodeBadRequest},

		{name: "alert detail", method: "GET", path: "/api/v1/alerts/" + id, as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				d := decode[alertDetail](t, b)
				got, err := idmefv2.Decode(d.Alert)
				if err != nil {
					t.Fatalf("alert is not IDMEFv2: %v", err)
				}
				if got.ID != first.ID || d.Lifecycle.State != store.StateNew || d.Received.IsZero() {
					t.Errorf("detail: ID %s, lifecycle %+v, received %s", got.ID, d.Lifecycle, d.Received)
				}
			}},
		{name: "unknown alert", method: "GET", path: "/api/v1/alerts/no-such-id", as: "viewer", status: 404, code: CodeNotFound},
		{name: "comments of an unknown alert", method: "GET", path: "/api/v1/alerts/no-such-id/comments", as: "viewer", status: 404, code: CodeNotFound},
		{name: "audit of an unknown alert", method: "GET", path: "/api/v1/alerts/no-such-id/audit", as: "viewer", status: 404, code: CodeNotFound},
		{name: "empty comments", method: "GET", path: "/api/v1/alerts/" + id + "/comments", as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				if got := string(b); !strings.Contains(got, `"comments":[]`) {
					t.Errorf("body %s, want an empty list", got)
				}
			}},

		{name: "groups by category", method: "GET", path: "/api/v1/alerts/groups?path=Category&path=Priority", as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				res := decode[groupsResponse](t, b)
				sum := 0
				for _, g := range res.Groups {
					if len(g.Keys) != 2 {
						t.Fatalf("group %+v has %d keys, want 2", g, len(g.Keys))
					}
					sum += g.Count
				}
				if sum < 300 {
					t.Errorf("groups count %d alerts, want at least the 300 stored", sum)
				}
				if !slices.IsSortedFunc(res.Groups, func(a, b store.Group) int { return b.Count - a.Count }) {
					t.Errorf("groups are not largest first")
				}
			}},
		{name: "groups without path", method: "GET", path: "/api/v1/alerts/groups", as: "viewer", status: 400, code: CodeBadRequest},
		{name: "groups by an unknown path", method: "GET", path: "/api/v1/alerts/groups?path=Nope", as: "viewer", status: 400, code: CodeInvalidQuery},
		{name: "histogram per hour", method: "GET", path: "/api/v1/alerts/histogram?from=-24h&to=now&bucket=1h", as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				res := decode[histogramResponse](t, b)
				total := 0
				for _, bk := range res.Buckets {
					total += bk.Total
				}
				// to is exclusive: the alert created at base is out.
				if res.BucketSeconds != 3600 || total != 299 {
					t.Errorf("bucket %vs, total %d; want 3600s and 299", res.BucketSeconds, total)
				}
			}},
		{name: "histogram split by priority", method: "GET", path: "/api/v1/alerts/histogram?split_by=Priority", as: "viewer", status: 200},
		{name: "histogram with a tiny bucket", method: "GET", path: "/api/v1/alerts/histogram?bucket=1ms", as: "viewer", status: 400, code: CodeBadRequest},
		{name: "top analyzers", method: "GET", path: "/api/v1/alerts/top?path=Analyzer.Name&limit=3", as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				res := decode[topResponse](t, b)
				if len(res.Values) == 0 || len(res.Values) > 3 || res.Values[0].Value == "" {
					t.Errorf("top values %+v", res.Values)
				}
			}},
		{name: "top without path", method: "GET", path: "/api/v1/alerts/top", as: "viewer", status: 400, code: CodeBadRequest},
		{name: "stats", method: "GET", path: "/api/v1/stats", as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				st := decode[store.Stats](t, b)
				if st.Total != 300 || st.ByState[store.StateNew] != 300 {
					t.Errorf("stats %+v, want 300 new alerts", st)
				}
			}},
		{name: "sensors", method: "GET", path: "/api/v1/sensors?offline_after=1h", as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				res := decode[sensorsResponse](t, b)
				if len(res.Sensors) == 0 || res.Online+res.Offline != len(res.Sensors) {
					t.Errorf("sensors %+v", res)
				}
			}},
		{name: "sensors with a bad kind", method: "GET", path: "/api/v1/sensors?kind=robot", as: "viewer", status: 400, code: CodeBadRequest},
		{name: "viewer cannot read dead letters", method: "GET", path: "/api/v1/deadletters", as: "viewer", status: 403, code: CodeForbidden},
		{name: "analyst reads dead letters", method: "GET", path: "/api/v1/deadletters", as: "analyst", status: 200},
		{name: "unknown dead letter", method: "GET", path: "/api/v1/deadletters/999", as: "analyst", status: 404, code: CodeNotFound},
		{name: "dead letter ID not a number", method: "GET", path: "/api/v1/deadletters/abc", as: "analyst", status: 404, code: CodeNotFound},

		{name: "me as a token", method: "GET", path: "/api/v1/me", as: "analyst-token", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				me := decode[meResponse](t, b)
				if me.Kind != "token" || me.Owner != "ana" || !slices.Contains(me.Permissions, "alerts:triage") || slices.Contains(me.Permissions, "users:manage") {
					t.Errorf("me = %+v", me)
				}
			}},
		{name: "me without credentials", method: "GET", path: "/api/v1/me", status: 401, code: CodeUnauthenticated},
		{name: "viewer cannot list users", method: "GET", path: "/api/v1/users", as: "viewer", status: 403, code: CodeForbidden},
		{name: "analyst cannot list users", method: "GET", path: "/api/v1/users", as: "analyst", status: 403, code: CodeForbidden},
		{name: "admin lists users", method: "GET", path: "/api/v1/users", as: "admin", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				var names []string
				for _, u := range decode[struct{ Users []userView }](t, b).Users {
					names = append(names, u.Name)
				}
				slices.Sort(names)
				if diff := cmp.Diff([]string{"admin", "ana", "vic"}, names); diff != "" {
					t.Errorf("users (-want +got):\n%s", diff)
				}
			}},
		{name: "unknown user", method: "GET", path: "/api/v1/users/nobody", as: "admin", status: 404, code: CodeNotFound},
		{name: "no such route", method: "GET", path: "/api/v1/nothing", as: "admin", status: 404, code: CodeNotFound},
		{name: "wrong method", method: "PUT", path: "/api/v1/alerts", as: "admin", status: 405, code: CodeMethodNotAllowed},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { f.run(t, sc) })
	}
}

func sortedDesc(as []alertSummary) bool {
	return slices.IsSortedFunc(as, func(a, b alertSummary) int { return b.CreateTime.Compare(a.CreateTime) })
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestSearchPagination walks every page of a search with the cursor and
// checks that each alert comes exactly once, in order.
func TestSearchPagination(t *testing.T) {
	f := newFixture(t, fixtureOptions{alerts: 250})
	for _, sort := range []string{"time_desc", "time_asc", "priority_desc"} {
		t.Run(sort, func(t *testing.T) {
			seen := map[string]bool{}
			var all []alertSummary
			cursor, pages := "", 0
			for {
				path := "/api/v1/alerts?limit=40&sort=" + sort
				if cursor != "" {
					path += "&cursor=" + url.QueryEscape(cursor)
				}
				res := decode[searchResponse](t, f.run(t, scenario{method: "GET", path: path, as: "viewer", status: 200}))
				pages++
				for _, a := range res.Alerts {
					if seen[a.ID] {
						t.Fatalf("alert %s returned twice", a.ID)
					}
					seen[a.ID] = true
				}
				all = append(all, res.Alerts...)
				if res.NextCursor == "" {
					break
				}
				cursor = res.NextCursor
			}
			if len(seen) != 250 || pages != 7 {
				t.Fatalf("%d alerts in %d pages, want 250 in 7", len(seen), pages)
			}
			if sort == "time_asc" && !slices.IsSortedFunc(all, func(a, b alertSummary) int { return a.CreateTime.Compare(b.CreateTime) }) {
				t.Errorf("pages are not in ascending time order")
			}
			if sort == "time_desc" && !sortedDesc(all) {
				t.Errorf("pages are not in descending time order")
			}
		})
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
