package ui

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

func (u *UI) sensorsPage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d := u.pageData(r, p, "Sensors")
	d.Nav, d.NoFilter = "sensors", true
	ss, err := u.opts.Ops.Sensors(r.Context(), store.SensorFilter{OfflineAfter: u.opts.OfflineAfter, Now: u.opts.Now()})
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, sensorsPage(d, ss))
}

func (u *UI) rulesPage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d := u.pageData(r, p, "Rules")
	d.Nav, d.NoFilter = "rules", true
	if u.opts.Rules == nil {
		return render(w, r, http.StatusOK, rulesPage(d, nil, false))
	}
	rules, err := u.opts.Rules.Rules(r.Context())
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, rulesPage(d, rules, true))
}

func (u *UI) ruleToggle(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if u.opts.Rules == nil {
		return errStatus(http.StatusNotFound, "correlation is not enabled")
	}
	on := r.PostFormValue("enabled") == "true"
	if err := u.opts.Rules.SetRuleEnabled(r.Context(), r.PathValue("id"), on); err != nil {
		return err
	}
	http.Redirect(w, r, "/rules", http.StatusSeeOther)
	return nil
}

func (u *UI) deadLettersPage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d := u.pageData(r, p, "Dead letters")
	d.Nav, d.NoFilter = "deadletters", true
	dls, err := u.opts.Ops.DeadLetters(r.Context(), store.DeadLetterFilter{Reason: r.URL.Query().Get("reason"), Limit: 200})
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, deadLettersPage(d, dls))
}

func (u *UI) usersPage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d := u.pageData(r, p, "Users")
	d.Nav, d.NoFilter = "users", true
	users, err := u.opts.Ops.Users(r.Context())
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, usersPage(d, users, r.URL.Query().Get("msg")))
}

func (u *UI) userCreate(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	role, err := auth.ParseRole(r.PostFormValue("role"))
	if err != nil || !role.UserRole() {
		return errStatus(http.StatusBadRequest, "role: want admin, analyst or viewer")
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if _, err := u.opts.Auth.CreateUser(r.Context(), name, role, auth.Secret(r.PostFormValue("password"))); err != nil {
		return fmt.Errorf("create user %q: %w", name, err)
	}
	http.Redirect(w, r, "/users?msg=created+"+name, http.StatusSeeOther)
	return nil
}

func (u *UI) userChange(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	name := r.PathValue("name")
	ctx := r.Context()
	switch {
	case r.PostFormValue("role") != "":
		role, err := auth.ParseRole(r.PostFormValue("role"))
		if err != nil || !role.UserRole() {
			return errStatus(http.StatusBadRequest, "role: want admin, analyst or viewer")
		}
		if err := u.opts.Auth.SetRole(ctx, name, role); err != nil {
			return fmt.Errorf("set role of %q: %w", name, err)
		}
	case r.PostFormValue("disabled") != "":
		off := r.PostFormValue("disabled") == "true"
		if off && name == p.Name {
			return errStatus(http.StatusBadRequest, "you cannot disable your own account")
		}
		if err := u.opts.Auth.SetDisabled(ctx, name, off); err != nil {
			return fmt.Errorf("disable %q: %w", name, err)
		}
	default:
		return errStatus(http.StatusBadRequest, "give a role or disabled")
	}
	http.Redirect(w, r, "/users?msg=updated+"+name, http.StatusSeeOther)
	return nil
}

func (u *UI) tokensPage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return u.renderTokens(w, r, p, "", "")
}

func (u *UI) renderTokens(w http.ResponseWriter, r *http.Request, p auth.Principal, secret, msg string) error {
	d := u.pageData(r, p, "API tokens")
	d.Nav, d.NoFilter = "tokens", true
	ts, err := u.opts.Auth.ListTokens(r.Context(), p)
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, tokensPage(d, ts, secret, msg))
}

func (u *UI) tokenCreate(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	role, err := auth.ParseRole(r.PostFormValue("role"))
	if err != nil {
		return errStatus(http.StatusBadRequest, err.Error())
	}
	req := auth.TokenRequest{Name: strings.TrimSpace(r.PostFormValue("name")), Role: role, Sensor: strings.TrimSpace(r.PostFormValue("sensor"))}
	if ttl := r.PostFormValue("ttl"); ttl != "" && ttl != "0" {
		d, err := parseRelative(ttl)
		if err != nil {
			return errStatus(http.StatusBadRequest, "lifetime: want e.g. 30d or 12h")
		}
		req.TTL = d
	}
	secret, tok, err := u.opts.Auth.CreateToken(r.Context(), p, req)
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return u.renderTokens(w, r, p, secret.Reveal(), "token "+tok.Name+" created; copy it now, it is not shown again")
}

func (u *UI) tokenRevoke(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := u.opts.Auth.RevokeToken(r.Context(), p, r.PathValue("id")); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	http.Redirect(w, r, "/tokens", http.StatusSeeOther)
	return nil
}

// tokenState describes a token for the list.
func tokenState(t auth.Token, now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "revoked"
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return "expired"
	}
	return "active"
}
