package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/correlate"
	presets "github.com/vigie-siem/vigie/rules/correlation"
)

// engineRules serves the API's rule routes from a real correlation engine
// loaded with the presets (internal/server has the production adapter).
type engineRules struct{ e *correlate.Engine }

func (r engineRules) ListRules(context.Context) ([]RuleInfo, error) {
	var out []RuleInfo
	for _, st := range r.e.Status() {
		out = append(out, RuleInfo{ID: st.Rule.Key(), Name: st.Rule.Name, Title: st.Rule.Title, Kind: "detection",
			Source: st.Rule.File, Enabled: st.Enabled, Firings: st.Firings, Groups: st.Groups})
	}
	return out, nil
}

func (r engineRules) SetRuleEnabled(ctx context.Context, id string, on bool) (RuleInfo, error) {
	if !r.e.SetEnabled(id, on) {
		return RuleInfo{}, ErrRuleNotFound
	}
	rules, _ := r.ListRules(ctx)
	for _, ri := range rules {
		if ri.ID == id {
			return ri, nil
		}
	}
	return RuleInfo{}, ErrRuleNotFound
}

func TestRules(t *testing.T) {
	rs, _, err := correlate.LoadRules([]correlate.Source{{Name: "presets", FS: presets.FS}}, correlate.SigmaCompile)
	if err != nil {
		t.Fatal(err)
	}
	e, err := correlate.New(correlate.Options{Rules: rs, Now: func() time.Time { return base }})
	if err != nil {
		t.Fatal(err)
	}
	const id = "6f1a0c2e-5d3b-4c1e-9a00-000000001101"
	f := newFixture(t, fixtureOptions{rules: engineRules{e}})
	enabled := func(want bool) func(*testing.T, *fixture, []byte) {
		return func(t *testing.T, _ *fixture, b []byte) {
			for _, r := range decode[rulesResponse](t, b).Rules {
				if r.ID == id && r.Enabled != want {
					t.Errorf("rule %s enabled = %v, want %v", id, r.Enabled, want)
				}
			}
		}
	}
	for _, sc := range []scenario{
		{name: "viewer cannot read rules", method: "GET", path: "/api/v1/rules", as: "viewer", status: 403, code: CodeForbidden},
		{name: "analyst reads", method: "GET", path: "/api/v1/rules", as: "analyst", status: 200, check: func(t *testing.T, f *fixture, b []byte) {
			if n := len(decode[rulesResponse](t, b).Rules); n < 10 {
				t.Errorf("%d rules listed", n)
			}
			enabled(false)(t, f, b)
		}},
		{name: "analyst cannot enable", method: "PATCH", path: "/api/v1/rules/" + id, as: "analyst", body: `{"enabled":true}`, status: 403, code: CodeForbidden},
		{name: "admin enables", method: "PATCH", path: "/api/v1/rules/" + id, as: "admin", body: `{"enabled":true}`, status: 200, check: func(t *testing.T, _ *fixture, b []byte) {
			if r := decode[RuleInfo](t, b); !r.Enabled || r.ID != id {
				t.Errorf("rule %s", b)
			}
		}},
		{name: "listed enabled", method: "GET", path: "/api/v1/rules", as: "admin", status: 200, check: enabled(true)},
		{name: "unknown rule", method: "PATCH", path: "/api/v1/rules/nope", as: "admin", body: `{"enabled":true}`, status: 404, code: CodeNotFound},
		{name: "empty body", method: "PATCH", path: "/api/v1/rules/" + id, as: "admin", body: `{}`, status: 400, code: CodeBadRequest},
	} {
		t.Run(sc.name, func(t *testing.T) { f.run(t, sc) })
	}
	// Without correlation the routes answer 503.
	off := newFixture(t, fixtureOptions{})
	b := off.run(t, scenario{method: "GET", path: "/api/v1/rules", as: "admin", status: 503, code: CodeUnavailable})
	if !strings.Contains(string(b), "correlation.enabled") {
		t.Errorf("503 body %s", b)
	}
}
