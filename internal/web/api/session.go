package api

import (
	"net/http"

	"github.com/vigie-siem/vigie/internal/auth"
)

// login serves POST /api/v1/login with the auth layer's handler: JSON
// {"username", "password"} → the session cookie, and the CSRF token to send
// in X-CSRF-Token with every unsafe request of the session. It is not
// behind the auth middleware, so that a stale cookie cannot block a login.
func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	a.opts.Auth.LoginHandler().ServeHTTP(w, r)
	return nil
}

// logout serves POST /api/v1/logout: it ends the session (the middleware
// has checked its CSRF token) and clears the cookie.
func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	a.opts.Auth.LogoutHandler().ServeHTTP(w, r)
	return nil
}

// meResponse describes the caller.
type meResponse struct {
	Name        string        `json:"name"`
	Role        auth.Role     `json:"role"`
	Kind        auth.Kind     `json:"kind"`
	Owner       string        `json:"owner,omitempty"`
	TokenID     string        `json:"token_id,omitempty"`
	CSRFToken   string        `json:"csrf_token,omitempty"`
	Permissions []auth.Action `json:"permissions"`
}

// me serves GET /api/v1/me: who the credentials belong to and what they
// allow, so that a UI can hide what the user cannot do.
func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	out := meResponse{Name: p.Name, Role: p.Role, Kind: p.Kind, Owner: p.Owner, TokenID: p.TokenID, CSRFToken: p.CSRFToken(), Permissions: []auth.Action{}}
	for _, act := range auth.Actions() {
		if p.Can(act) {
			out.Permissions = append(out.Permissions, act)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
