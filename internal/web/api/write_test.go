package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/internal/store"
)

// TestTriage walks an alert through the lifecycle with every role, in
// order: each step depends on the previous ones.
func TestTriage(t *testing.T) {
	f := newFixture(t, fixtureOptions{alerts: 20})
	id := url.PathEscape(f.alerts[3].ID)
	alert := "/api/v1/alerts/" + id
	steps := []scenario{
		{name: "viewer cannot patch", method: "PATCH", path: alert, as: "viewer", body: `{"state":"acknowledged"}`, status: 403, code: CodeForbidden},
		{name: "sensor cannot patch", method: "PATCH", path: alert, as: "sensor-token", body: `{"state":"acknowledged"}`, status: 403, code: CodeForbidden},
		{name: "anonymous cannot patch", method: "PATCH", path: alert, body: `{"state":"acknowledged"}`, status: 401, code: CodeUnauthenticated},
		{name: "form-encoded body refused", method: "PATCH", path: alert, as: "analyst", body: `state=closed`,
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, status: 415, code: CodeUnsupportedMedia},
		{name: "unknown field refused", method: "PATCH", path: alert, as: "analyst", body: `{"state":"closed","colour":"red"}`, status: 400, code: CodeBadRequest,
			check: wantMessage(`unknown field "colour"`)},
		{name: "malformed JSON", method: "PATCH", path: alert, as: "analyst", body: `{"state":`, status: 400, code: CodeBadRequest},
		{name: "two JSON values", method: "PATCH", path: alert, as: "analyst", body: `{"state":"closed"} {}`, status: 400, code: CodeBadRequest},
		{name: "wrong type names the field", method: "PATCH", path: alert, as: "analyst", body: `{"add_tags":"x"}`, status: 400, code: CodeBadRequest,
			check: wantMessage(`add_tags`)},
		{name: "empty change", method: "PATCH", path: alert, as: "analyst", body: `{}`, status: 400, code: CodeBadRequest},
		{name: "unknown state", method: "PATCH", path: alert, as: "analyst", body: `{"state":"done"}`, status: 400, code: CodeInvalidArgument},
		{name: "unknown alert", method: "PATCH", path: "/api/v1/alerts/nope", as: "analyst", body: `{"state":"acknowledged"}`, status: 404, code: CodeNotFound},
		{name: "analyst acknowledges and assigns", method: "PATCH", path: alert, as: "analyst", body: `{"state":"acknowledged","assignee":"ana","add_tags":["ssh","brute-force"]}`, status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				res := decode[patchResponse](t, b)
				want := store.Lifecycle{State: store.StateAcknowledged, Assignee: "ana", Tags: []string{"brute-force", "ssh"}}
				res.Lifecycle.ChangedAt = want.ChangedAt
				if diff := cmp.Diff(want, res.Lifecycle); diff != "" || !res.Changed {
					t.Errorf("changed %v, lifecycle (-want +got):\n%s", res.Changed, diff)
				}
			}},
		{name: "same change again changes nothing", method: "PATCH", path: alert, as: "analyst-token", body: `{"state":"acknowledged"}`, status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				if decode[patchResponse](t, b).Changed {
					t.Errorf("repeating a change reported a change")
				}
			}},
		{name: "admin closes", method: "PATCH", path: alert, as: "admin", body: `{"state":"closed","remove_tags":["ssh"]}`, status: 200},
		{name: "closed cannot go back to new", method: "PATCH", path: alert, as: "analyst", body: `{"state":"new"}`, status: 409, code: CodeInvalidTransition},
		{name: "viewer cannot comment", method: "POST", path: alert + "/comments", as: "viewer", body: `{"body":"hi"}`, status: 403, code: CodeForbidden},
		{name: "empty comment", method: "POST", path: alert + "/comments", as: "analyst", body: `{"body":""}`, status: 400, code: CodeBadRequest},
		{name: "analyst comments with a token", method: "POST", path: alert + "/comments", as: "analyst-token", body: `{"body":"Blocked at the firewall."}`, status: 201,
			check: func(t *testing.T, _ *fixture, b []byte) {
				c := decode[store.Comment](t, b)
				if c.ID == 0 || c.Author != "ana" || c.Body != "Blocked at the firewall." {
					t.Errorf("comment %+v", c)
				}
			}},
		{name: "viewer reads comments", method: "GET", path: alert + "/comments", as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				cs := decode[struct{ Comments []store.Comment }](t, b).Comments
				if len(cs) != 1 || cs[0].Body != "Blocked at the firewall." {
					t.Errorf("comments %+v", cs)
				}
			}},
		{name: "detail shows the lifecycle and exports Status", method: "GET", path: alert, as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				d := decode[alertDetail](t, b)
				var doc struct{ Status []string }
				if err := json.Unmarshal(d.Alert, &doc); err != nil {
					t.Fatal(err)
				}
				if d.Lifecycle.State != store.StateClosed || len(doc.Status) == 0 || doc.Status[len(doc.Status)-1] != "Closed" {
					t.Errorf("lifecycle %+v, Status %v; want closed and Status ending in Closed", d.Lifecycle, doc.Status)
				}
			}},
		{name: "audit trail names who changed what", method: "GET", path: alert + "/audit", as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				var got []string
				for _, e := range decode[struct{ Audit []store.AuditEntry }](t, b).Audit {
					got = append(got, e.Actor+" "+e.Field+" "+e.Old+">"+e.New)
				}
				want := []string{
					"ana state new>acknowledged", "ana assignee >ana", "ana tag >brute-force", "ana tag >ssh",
					"admin state acknowledged>closed", "admin tag ssh>",
					"ana comment >Blocked at the firewall.",
				}
				if diff := cmp.Diff(want, got, sortStrings); diff != "" {
					t.Errorf("audit (-want +got):\n%s", diff)
				}
			}},
		{name: "search by lifecycle fields", method: "GET", path: "/api/v1/alerts?q=" + url.QueryEscape("state = closed and tag = brute-force"), as: "viewer", status: 200,
			check: func(t *testing.T, f *fixture, b []byte) {
				res := decode[searchResponse](t, b)
				if len(res.Alerts) != 1 || res.Alerts[0].ID != f.alerts[3].ID || res.Alerts[0].Assignee != "ana" {
					t.Errorf("alerts %+v", res.Alerts)
				}
			}},
	}
	for _, sc := range steps {
		t.Run(sc.name, func(t *testing.T) { f.run(t, sc) })
	}
}

var sortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func wantMessage(sub string) func(*testing.T, *fixture, []byte) {
	return func(t *testing.T, _ *fixture, b []byte) {
		t.Helper()
		if msg := decode[envelope](t, b).Error.Message; !strings.Contains(msg, sub) {
			t.Errorf("message %q does not contain %q", msg, sub)
		}
	}
}

// TestBulk changes alerts by IDs and by filter, all or nothing.
func TestBulk(t *testing.T) {
	f := newFixture(t, fixtureOptions{alerts: 120})
	ids := func(n int) string {
		var q []string
		for _, a := range f.alerts[:n] {
			q = append(q, `"`+a.ID+`"`)
		}
		return "[" + strings.Join(q, ",") + "]"
	}
	steps := []scenario{
		{name: "viewer cannot bulk", method: "POST", path: "/api/v1/alerts/bulk", as: "viewer", body: `{"ids":` + ids(2) + `,"change":{"state":"closed"}}`, status: 403, code: CodeForbidden},
		{name: "ids and filter together", method: "POST", path: "/api/v1/alerts/bulk", as: "analyst", body: `{"ids":` + ids(2) + `,"filter":{"q":""},"change":{"state":"closed"}}`, status: 400, code: CodeBadRequest},
		{name: "neither ids nor filter", method: "POST", path: "/api/v1/alerts/bulk", as: "analyst", body: `{"change":{"state":"closed"}}`, status: 400, code: CodeBadRequest},
		{name: "one unknown id changes nothing", method: "POST", path: "/api/v1/alerts/bulk", as: "analyst", body: `{"ids":["nope",` + ids(3)[1:] + `,"change":{"state":"acknowledged"}}`, status: 404, code: CodeNotFound},
		{name: "by ids", method: "POST", path: "/api/v1/alerts/bulk", as: "analyst", body: `{"ids":` + ids(10) + `,"change":{"state":"in_progress","add_tags":["campaign-7"]}}`, status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				if diff := cmp.Diff(bulkResponse{Matched: 10, Changed: 10}, decode[bulkResponse](t, b)); diff != "" {
					t.Errorf("result (-want +got):\n%s", diff)
				}
			}},
		{name: "bad filter query", method: "POST", path: "/api/v1/alerts/bulk", as: "analyst", body: `{"filter":{"q":"tag = "},"change":{"state":"closed"}}`, status: 400, code: CodeInvalidQuery},
		{name: "invalid transition for one changes none", method: "POST", path: "/api/v1/alerts/bulk", as: "analyst", body: `{"ids":` + ids(20) + `,"change":{"state":"new"}}`, status: 409, code: CodeInvalidTransition},
		{name: "by filter", method: "POST", path: "/api/v1/alerts/bulk", as: "admin", body: `{"filter":{"q":"tag = campaign-7"},"change":{"state":"closed","comment":"campaign over"}}`, status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				if diff := cmp.Diff(bulkResponse{Matched: 10, Changed: 10}, decode[bulkResponse](t, b)); diff != "" {
					t.Errorf("result (-want +got):\n%s", diff)
				}
			}},
		{name: "the rest are untouched", method: "GET", path: "/api/v1/stats", as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				st := decode[store.Stats](t, b)
				if st.ByState[store.StateClosed] != 10 || st.ByState[store.StateNew] != 110 {
					t.Errorf("by state %v, want 10 closed and 110 new", st.ByState)
				}
			}},
		{name: "audit of a bulk-changed alert", method: "GET", path: "/api/v1/alerts/" + url.PathEscape(f.alerts[0].ID) + "/audit", as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				var got []string
				for _, e := range decode[struct{ Audit []store.AuditEntry }](t, b).Audit {
					got = append(got, e.Actor+" "+e.Field+" "+e.New)
				}
				want := []string{"ana state in_progress", "ana tag campaign-7", "admin state closed", "admin comment campaign over"}
				if diff := cmp.Diff(want, got, sortStrings); diff != "" {
					t.Errorf("audit (-want +got):\n%s", diff)
				}
			}},
	}
	for _, sc := range steps {
		t.Run(sc.name, func(t *testing.T) { f.run(t, sc) })
	}
	t.Run("filter matching too many", func(t *testing.T) {
		f.api.opts.MaxBulk = 50
		defer func() { f.api.opts.MaxBulk = 10000 }()
		f.run(t, scenario{method: "POST", path: "/api/v1/alerts/bulk", as: "admin", body: `{"filter":{"q":""},"change":{"add_tags":["x"]}}`, status: 400, code: CodeBadRequest,
			check: wantMessage("more than 50")})
	})
}

// TestBodyLimit refuses bodies over MaxBodyBytes.
func TestBodyLimit(t *testing.T) {
	f := newFixture(t, fixtureOptions{alerts: 1})
	big := `{"body":"` + strings.Repeat("x", 2<<20) + `"}`
	f.run(t, scenario{method: "POST", path: "/api/v1/alerts/" + url.PathEscape(f.alerts[0].ID) + "/comments", as: "analyst", body: big, status: 413, code: CodeTooLarge})
}
