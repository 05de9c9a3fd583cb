package api

import (
	"context"
	"errors"
	"net/http"
)

// RuleManager lists the correlation rules and turns them on and off
// (internal/correlate through internal/server).
type RuleManager interface {
	ListRules(ctx context.Context) ([]RuleInfo, error)
	// SetRuleEnabled returns ErrRuleNotFound for an unknown id.
	SetRuleEnabled(ctx context.Context, id string, enabled bool) (RuleInfo, error)
}

// ErrRuleNotFound is returned by a RuleManager for an unknown rule.
var ErrRuleNotFound = errors.New("rule not found")

// RuleInfo is a rule as the API shows it.
type RuleInfo struct {
	ID          string `json:"id"` // the rule's key: its Sigma id, else its name
	Name        string `json:"name,omitempty"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Kind        string `json:"kind"`           // detection or correlation
	Type        string `json:"type,omitempty"` // correlation type
	Level       string `json:"level,omitempty"`
	Source      string `json:"source"` // file:line
	Enabled     bool   `json:"enabled"`
	Firings     uint64 `json:"firings"`
	Groups      int    `json:"groups"` // open correlation groups
}

type rulesResponse struct {
	Rules []RuleInfo `json:"rules"`
}

type patchRuleBody struct {
	Enabled *bool `json:"enabled"`
}

func (a *API) ruleManager() (RuleManager, error) {
	if a.opts.Rules == nil {
		return nil, errorf(http.StatusServiceUnavailable, CodeUnavailable, "correlation is not enabled (correlation.enabled)")
	}
	return a.opts.Rules, nil
}

// listRules serves GET /api/v1/rules.
func (a *API) listRules(w http.ResponseWriter, r *http.Request) error {
	if err := checkParams(r.URL.Query()); err != nil {
		return err
	}
	m, err := a.ruleManager()
	if err != nil {
		return err
	}
	rules, err := m.ListRules(r.Context())
	if err != nil {
		return err
	}
	if rules == nil {
		rules = []RuleInfo{}
	}
	writeJSON(w, http.StatusOK, rulesResponse{Rules: rules})
	return nil
}

// patchRule serves PATCH /api/v1/rules/{id} {"enabled": bool}.
func (a *API) patchRule(w http.ResponseWriter, r *http.Request) error {
	m, err := a.ruleManager()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	var body patchRuleBody
	if err := decodeJSON(w, r, a.opts.MaxBodyBytes, &body); err != nil {
		return err
	}
	if body.Enabled == nil {
		return badRequest("request body: nothing to change (want enabled)")
	}
	info, err := m.SetRuleEnabled(r.Context(), id, *body.Enabled)
	if errors.Is(err, ErrRuleNotFound) {
		return notFound("rule " + id)
	}
	if err != nil {
		return err
	}
	a.log.Info("rule changed", "rule", id, "enabled", *body.Enabled)
	writeJSON(w, http.StatusOK, info)
	return nil
}
