package auth

import (
	"encoding/json"
	"mime"
	"net/http"
	"time"
)

// sessionInfo is the JSON answer of LoginHandler and SessionHandler.
type sessionInfo struct {
	User      string    `json:"user"`
	Role      Role      `json:"role"`
	Kind      Kind      `json:"kind"`
	CSRFToken string    `json:"csrf_token,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// LoginHandler serves POST {"username": …, "password": …} (JSON only: a
// cross-site form cannot send it without a CORS preflight, which prevents
// login CSRF). On success it sets the session cookie and answers 200 with
// the user, role, CSRF token and expiry.
func (s *Service) LoginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			s.opts.WriteError(w, r, &HTTPError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: "use POST"})
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			s.opts.WriteError(w, r, &HTTPError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send application/json"})
			return
		}
		var body struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil || body.Username == "" {
			s.opts.WriteError(w, r, &HTTPError{Status: http.StatusBadRequest, Code: "bad_request", Message: `want {"username": "…", "password": "…"}`})
			return
		}
		prev, _ := sessionCookie(r)
		res, err := s.Login(r.Context(), LoginRequest{
			Name: body.Username, Password: Secret(body.Password), ClientIP: s.ClientIP(r),
			UserAgent: r.UserAgent(), Previous: prev,
		})
		if err != nil {
			he := s.toHTTPError(err)
			he.Challenges = nil // a form login must not make browsers pop a Basic dialog
			s.opts.WriteError(w, r, he)
			return
		}
		s.SetSessionCookie(w, r, res)
		writeJSON(w, http.StatusOK, sessionInfo{User: res.User.Name, Role: res.User.Role, Kind: KindSession, CSRFToken: res.CSRFToken, ExpiresAt: res.ExpiresAt})
	})
}

// LogoutHandler ends the request's session and clears the cookie (204).
// Mount it behind Middleware, which checks the CSRF token.
func (s *Service) LogoutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodDelete {
			w.Header().Set("Allow", "POST, DELETE")
			s.opts.WriteError(w, r, &HTTPError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: "use POST or DELETE"})
			return
		}
		if p, ok := PrincipalFrom(r.Context()); ok && p.Kind == KindSession {
			if id, ok := sessionCookie(r); ok {
				if err := s.Logout(r.Context(), id); err != nil {
					s.opts.WriteError(w, r, s.toHTTPError(err))
					return
				}
			}
		}
		s.ClearSessionCookie(w, r)
		w.WriteHeader(http.StatusNoContent)
	})
}

// SessionHandler answers GET with the current principal (and, for a
// session, its CSRF token), or 401.
func (s *Service) SessionHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := PrincipalFrom(r.Context())
		if !ok {
			s.opts.WriteError(w, r, &HTTPError{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "not logged in"})
			return
		}
		writeJSON(w, http.StatusOK, sessionInfo{User: p.Name, Role: p.Role, Kind: p.Kind, CSRFToken: p.CSRFToken()})
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
