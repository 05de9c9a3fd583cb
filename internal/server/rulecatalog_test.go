package server

import (
	"context"
	"testing"
)

// TestRuleCatalogFollowsEngine checks that the UI's rules page and the API
// see the same correlation rules, and that a switch made through the UI
// reaches the engine.
func TestRuleCatalogFollowsEngine(t *testing.T) {
	srv, stop := startServer(t, nil)
	defer stop()
	ctx := context.Background()
	cat := srv.ruleCatalog()
	if cat == nil {
		t.Fatal("correlation is on by default, but the UI gets no rule catalog")
	}
	rules, err := cat.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	apiRules, err := srv.ruleAPI().ListRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) == 0 || len(rules) != len(apiRules) {
		t.Fatalf("UI lists %d rules, API %d (want the same, and the presets)", len(rules), len(apiRules))
	}
	var id string
	for _, r := range rules {
		if r.Enabled {
			id = r.ID
			break
		}
	}
	if id == "" {
		t.Fatal("no enabled preset")
	}
	if err := cat.SetRuleEnabled(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	apiRules, err = srv.ruleAPI().ListRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range apiRules {
		if r.ID == id && r.Enabled {
			t.Fatalf("rule %s disabled through the UI is still enabled in the engine", id)
		}
	}
	if err := cat.SetRuleEnabled(ctx, "no-such-rule", true); err == nil {
		t.Fatal("enabling an unknown rule succeeded")
	}
}
