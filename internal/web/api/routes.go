package api

import (
	"net/http"

	"github.com/vigie-siem/vigie/internal/auth"
)

// access says who may call a route.
type access int

const (
	public        access = iota // no credentials looked at (health, login, the OpenAPI document)
	optional                    // credentials checked when present (logout)
	authenticated               // a principal is required; route.action, when set, must be allowed
)

// route is one endpoint. handle returns an error instead of writing one, so
// that every failure goes through the one renderer.
type route struct {
	method string
	path   string
	access access
	action auth.Action
	handle func(w http.ResponseWriter, r *http.Request) error
}

// routeTable lists every endpoint. The OpenAPI document describes the same
// set; a test keeps them equal.
func (a *API) routeTable() []route {
	rs := []route{
		{"GET", "/healthz", public, "", a.healthz},
		{"GET", "/readyz", public, "", a.readyz},
		{"GET", "/api/openapi.json", public, "", a.openAPI},

		{"POST", "/api/v1/login", public, "", a.login},
		{"POST", "/api/v1/logout", optional, "", a.logout},
		{"GET", "/api/v1/me", authenticated, "", a.me},

		{"GET", "/api/v1/alerts", authenticated, auth.ActionAlertsRead, a.searchAlerts},
		{"POST", "/api/v1/alerts/bulk", authenticated, auth.ActionAlertsBulk, a.bulkUpdate},
		{"GET", "/api/v1/alerts/groups", authenticated, auth.ActionAlertsRead, a.groups},
		{"GET", "/api/v1/alerts/histogram", authenticated, auth.ActionStatsRead, a.histogram},
		{"GET", "/api/v1/alerts/top", authenticated, auth.ActionStatsRead, a.top},
		{"GET", "/api/v1/alerts/{id}", authenticated, auth.ActionAlertsRead, a.alertDetail},
		{"PATCH", "/api/v1/alerts/{id}", authenticated, auth.ActionAlertsTriage, a.patchAlert},
		{"GET", "/api/v1/alerts/{id}/comments", authenticated, auth.ActionAlertsRead, a.listComments},
		{"POST", "/api/v1/alerts/{id}/comments", authenticated, auth.ActionAlertsComment, a.addComment},
		{"GET", "/api/v1/alerts/{id}/audit", authenticated, auth.ActionAlertsRead, a.audit},
		{"GET", "/api/v1/stats", authenticated, auth.ActionStatsRead, a.stats},
		{"GET", "/api/v1/events", authenticated, auth.ActionAlertsRead, a.listEvents},

		{"GET", "/api/v1/deadletters", authenticated, auth.ActionDeadLettersRead, a.listDeadLetters},
		{"GET", "/api/v1/deadletters/{id}", authenticated, auth.ActionDeadLettersRead, a.deadLetter},
		{"DELETE", "/api/v1/deadletters/{id}", authenticated, auth.ActionDeadLettersRead, a.deleteDeadLetter},
		{"GET", "/api/v1/sensors", authenticated, auth.ActionSensorsRead, a.sensors},
		{"GET", "/api/v1/rules", authenticated, auth.ActionRulesRead, a.listRules},
		{"PATCH", "/api/v1/rules/{id}", authenticated, auth.ActionRulesManage, a.patchRule},

		{"GET", "/api/v1/users", authenticated, auth.ActionUsersManage, a.listUsers},
		{"POST", "/api/v1/users", authenticated, auth.ActionUsersManage, a.createUser},
		{"GET", "/api/v1/users/{name}", authenticated, auth.ActionUsersManage, a.getUser},
		{"PATCH", "/api/v1/users/{name}", authenticated, auth.ActionUsersManage, a.patchUser},
		{"DELETE", "/api/v1/users/{name}", authenticated, auth.ActionUsersManage, a.deleteUser},

		// Token routes need only self:manage: the auth layer lets users
		// manage their own tokens (with at most their role) and admins
		// every token.
		{"GET", "/api/v1/tokens", authenticated, auth.ActionSelfManage, a.listTokens},
		{"POST", "/api/v1/tokens", authenticated, auth.ActionSelfManage, a.createToken},
		{"DELETE", "/api/v1/tokens/{id}", authenticated, auth.ActionSelfManage, a.revokeToken},
	}
	if a.opts.Gatherer != nil {
		m := route{"GET", "/metrics", public, "", a.serveMetrics}
		if a.opts.MetricsRequireAuth {
			m.access, m.action = authenticated, auth.ActionMetricsRead
		}
		rs = append(rs, m)
	}
	return rs
}

// wrap turns a route into a handler: it labels the request with the route
// pattern, authenticates it as the route requires, and renders errors.
func (a *API) wrap(rt route) http.Handler {
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := routeInfoFrom(r.Context())
		p, ok := auth.PrincipalFrom(r.Context())
		if ok {
			ri.principal = p.Name
		}
		if rt.access == authenticated {
			if !ok {
				w.Header().Add("WWW-Authenticate", `Bearer realm="vigie"`)
				w.Header().Add("WWW-Authenticate", `Basic realm="vigie", charset="UTF-8"`)
				writeError(w, r, errorf(http.StatusUnauthorized, CodeUnauthenticated,
					"authentication required: a session cookie, Authorization: Bearer <API token>, or HTTP Basic"))
				return
			}
			if rt.action != "" && !p.Can(rt.action) {
				writeError(w, r, forbidden(p, rt.action))
				return
			}
		}
		if err := rt.handle(w, r); err != nil {
			pe := toPublic(err)
			if pe.Status >= http.StatusInternalServerError {
				ri.err = err
			}
			writeError(w, r, pe)
		}
	})
	if rt.access != public {
		h = a.opts.Auth.Middleware(h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		routeInfoFrom(r.Context()).pattern = rt.path
		h.ServeHTTP(w, r)
	})
}

// forbidden is the 403 of a principal whose role lacks an action.
func forbidden(p auth.Principal, act auth.Action) *Error {
	e := errorf(http.StatusForbidden, CodeForbidden, "role %s may not %s", p.Role, act)
	e.Details = map[string]string{"role": string(p.Role), "action": string(act)}
	return e
}

// principal returns the request's principal; routes with access
// authenticated always have one.
func principal(r *http.Request) auth.Principal {
	p, _ := auth.PrincipalFrom(r.Context())
	return p
}

// require checks further actions inside a handler, e.g. a PATCH that also
// changes tags.
func require(r *http.Request, acts ...auth.Action) error {
	p := principal(r)
	for _, act := range acts {
		if !p.Can(act) {
			return forbidden(p, act)
		}
	}
	return nil
}
