package ui

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// handlerFunc is a page or action: it gets the request's principal and
// returns an error instead of writing one.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p auth.Principal) error

// httpError is an error with the status the user sees.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func errStatus(status int, msg string) error { return &httpError{status: status, msg: msg} }

// routes builds the UI's mux. Every page but /login and /static/ needs a
// session (or other credentials); actions check the role's permission.
func (u *UI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.HandlerFunc(u.assets.serve))
	mux.HandleFunc("GET /favicon.ico", u.favicon)
	mux.HandleFunc("GET /login", u.loginPage)
	mux.HandleFunc("POST /login", u.loginSubmit)
	mux.Handle("POST /logout", u.opts.Auth.Middleware(http.HandlerFunc(u.logout)))

	page := func(pattern string, act auth.Action, h handlerFunc) {
		mux.Handle(pattern, u.opts.Auth.Middleware(u.guard(act, h)))
	}
	page("GET /{$}", auth.ActionAlertsRead, func(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
		http.Redirect(w, r, "/alerts", http.StatusSeeOther)
		return nil
	})
	page("GET /alerts", auth.ActionAlertsRead, u.alertsPage)
	page("POST /alerts/bulk", auth.ActionAlertsBulk, u.bulk)
	page("GET /alerts/{id}", auth.ActionAlertsRead, u.detailPage)
	page("GET /alerts/{id}/raw", auth.ActionAlertsRead, u.rawJSON)
	page("POST /alerts/{id}/triage", auth.ActionAlertsTriage, u.triage)
	page("POST /alerts/{id}/comments", auth.ActionAlertsComment, u.comment)
	page("POST /alerts/{id}/tags", auth.ActionAlertsTag, u.tags)
	page("GET /alerts/{id}/events", auth.ActionAlertsRead, u.aroundPanel)
	page("GET /events", auth.ActionAlertsRead, u.eventsPage)
	page("GET /groups", auth.ActionAlertsRead, u.groupsPage)
	page("GET /dashboard", auth.ActionStatsRead, u.dashboardPage)
	page("GET /graph", auth.ActionAlertsRead, u.graphPage)
	page("GET /graph/expand", auth.ActionAlertsRead, u.graphExpand)
	page("GET /sensors", auth.ActionSensorsRead, u.sensorsPage)
	page("GET /rules", auth.ActionRulesRead, u.rulesPage)
	page("POST /rules/{id}", auth.ActionRulesManage, u.ruleToggle)
	page("GET /deadletters", auth.ActionDeadLettersRead, u.deadLettersPage)
	page("GET /users", auth.ActionUsersManage, u.usersPage)
	page("POST /users", auth.ActionUsersManage, u.userCreate)
	page("POST /users/{name}", auth.ActionUsersManage, u.userChange)
	page("GET /tokens", auth.ActionSelfManage, u.tokensPage)
	page("POST /tokens", auth.ActionSelfManage, u.tokenCreate)
	page("POST /tokens/{id}/revoke", auth.ActionSelfManage, u.tokenRevoke)
	mux.Handle("/", u.opts.Auth.Middleware(u.guard("", func(http.ResponseWriter, *http.Request, auth.Principal) error {
		return errStatus(http.StatusNotFound, "no such page")
	})))
	return mux
}

// guard sends anonymous visitors to the login page, refuses principals
// whose role lacks act, and renders errors.
func (u *UI) guard(act auth.Action, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.PrincipalFrom(r.Context())
		if !ok {
			target := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
			if r.Header.Get("HX-Request") != "" {
				w.Header().Set("HX-Redirect", target)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if act != "" && !p.Can(act) {
			u.renderError(w, r, p, errStatus(http.StatusForbidden, "your role ("+string(p.Role)+") may not "+string(act)))
			return
		}
		if err := h(w, r, p); err != nil {
			u.renderError(w, r, p, err)
		}
	})
}

// renderError shows an error page (or, for htmx requests, a fragment).
func (u *UI) renderError(w http.ResponseWriter, r *http.Request, p auth.Principal, err error) {
	status, msg := http.StatusInternalServerError, "internal error; see the server log"
	var he *httpError
	switch {
	case errors.As(err, &he):
		status, msg = he.status, he.msg
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, "not found"
	case errors.Is(err, store.ErrInvalidQuery), errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrInvalidTransition):
		status, msg = http.StatusBadRequest, err.Error()
	case errors.Is(err, auth.ErrExists), errors.Is(err, auth.ErrWeakPassword), errors.Is(err, auth.ErrForbidden), errors.Is(err, auth.ErrNotFound), errors.Is(err, store.ErrConflict):
		status, msg = http.StatusBadRequest, err.Error()
	default:
		u.log.Error("ui request failed", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Retarget", "#flash")
		w.Header().Set("HX-Reswap", "innerHTML")
		w.WriteHeader(status)
		_ = flash("error", msg).Render(r.Context(), w)
		return
	}
	w.WriteHeader(status)
	_ = errorPage(u.pageData(r, p, "Error"), status, msg).Render(r.Context(), w)
}

// favicon answers browsers that ask for /favicon.ico despite the page's icon link.
func (u *UI) favicon(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, u.assets.url("favicon.svg"), http.StatusMovedPermanently)
}
