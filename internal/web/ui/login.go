package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/vigie-siem/vigie/internal/auth"
)

// loginData is the login form.
type loginData struct {
	CSS, JS string
	Icon    string
	Next    string
	User    string
	Err     string
}

func (u *UI) loginData(r *http.Request) loginData {
	return loginData{CSS: u.assets.url("app.css"), JS: u.assets.url("app.js"), Icon: u.assets.url("favicon.svg"), Next: safeNext(r.FormValue("next"))}
}

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	_ = render(w, r, http.StatusOK, loginPage(u.loginData(r)))
}

// loginSubmit checks the form, starts a session and goes to next. A
// cross-site form may not log the browser in (login CSRF): the request
// must come from this origin.
func (u *UI) loginSubmit(w http.ResponseWriter, r *http.Request) {
	d := u.loginData(r)
	if !sameOrigin(r) {
		d.Err = "login refused: the form was not sent from this site"
		_ = render(w, r, http.StatusForbidden, loginPage(d))
		return
	}
	d.User = strings.TrimSpace(r.PostFormValue("username"))
	res, err := u.opts.Auth.Login(r.Context(), auth.LoginRequest{
		Name: d.User, Password: auth.Secret(r.PostFormValue("password")), ClientIP: u.opts.Auth.ClientIP(r), UserAgent: r.UserAgent(),
	})
	if err != nil {
		status := http.StatusUnauthorized
		var le *auth.LockedError
		switch {
		case errors.As(err, &le):
			status, d.Err = http.StatusTooManyRequests, "too many failed logins; retry later"
		case errors.Is(err, auth.ErrDisabled):
			status, d.Err = http.StatusForbidden, "account disabled"
		case errors.Is(err, auth.ErrInvalidCredentials):
			d.Err = "wrong user name or password"
		default:
			u.log.Error("login failed", "err", err)
			status, d.Err = http.StatusServiceUnavailable, "login unavailable; retry"
		}
		_ = render(w, r, status, loginPage(d))
		return
	}
	u.opts.Auth.SetSessionCookie(w, r, res)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// sameOrigin reports whether a form post comes from the UI itself:
// Sec-Fetch-Site when the browser sends it, else Origin against Host.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return false
	}
	ou, err := url.Parse(o)
	return err == nil && ou.Host == r.Host
}

// safeNext keeps a redirect inside the UI (a path, not //host). Control
// characters are refused outright: browsers drop tabs and newlines from a
// URL, so "/\t/host" would be read as "//host".
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.IndexFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return "/alerts"
	}
	return next
}

// logout ends the session through the auth layer (which checks the CSRF
// token) and goes back to the login page.
func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	u.opts.Auth.LogoutHandler().ServeHTTP(&redirectOnSuccess{ResponseWriter: w, to: "/login"}, r)
}

// redirectOnSuccess turns a 204 into a 303 to a page.
type redirectOnSuccess struct {
	http.ResponseWriter
	to string
}

func (rw *redirectOnSuccess) WriteHeader(status int) {
	if status == http.StatusNoContent {
		rw.Header().Set("Location", rw.to)
		status = http.StatusSeeOther
	}
	rw.ResponseWriter.WriteHeader(status)
}
