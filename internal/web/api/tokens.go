package api

import (
	"net/http"
	"time"

	"github.com/vigie-siem/vigie/internal/auth"
)

// tokenView is a token's record, never its secret.
type tokenView struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Role       auth.Role `json:"role"`
	Sensor     string    `json:"sensor,omitempty"`
	Owner      string    `json:"owner,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

func viewToken(t auth.Token) tokenView {
	return tokenView{
		ID: t.ID, Name: t.Name, Role: t.Role, Sensor: t.Sensor, Owner: t.Owner, CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt,
	}
}

// listTokens serves GET /api/v1/tokens: every token for admins, one's own
// for others.
func (a *API) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.opts.Tokens.ListTokens(r.Context(), principal(r))
	if err != nil {
		return err
	}
	out := make([]tokenView, 0, len(ts))
	for _, t := range ts {
		out = append(out, viewToken(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

// newTokenBody asks for a token. TTL is a duration ("720h", "30d"); empty
// means no expiry (or the configured maximum).
type newTokenBody struct {
	Name   string `json:"name"`
	Role   string `json:"role"`
	Sensor string `json:"sensor"`
	TTL    string `json:"ttl"`
}

// createdToken is the answer of POST /api/v1/tokens: the only time the
// secret is shown.
type createdToken struct {
	Token string `json:"token"`
	tokenView
}

// createToken serves POST /api/v1/tokens and answers 201 with the token.
func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var body newTokenBody
	if err := decodeJSON(w, r, a.opts.MaxBodyBytes, &body); err != nil {
		return err
	}
	role, err := auth.ParseRole(body.Role)
	if err != nil {
		return invalidArgument(err)
	}
	req := auth.TokenRequest{Name: body.Name, Role: role, Sensor: body.Sensor}
	if body.TTL != "" {
		if req.TTL, err = parseDuration(body.TTL); err != nil || req.TTL == 0 {
			e := badRequest("request body: ttl %q: want a positive duration such as 720h, 30d or 52w", body.TTL)
			e.Code = CodeInvalidArgument
			return e
		}
	}
	if err := checkTokenRequest(req); err != nil {
		return err
	}
	secret, t, err := a.opts.Tokens.CreateToken(r.Context(), principal(r), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, createdToken{Token: secret.Reveal(), tokenView: viewToken(t)})
	return nil
}

// checkTokenRequest checks what the auth layer would refuse without a
// sentinel error, so that the client gets a 400 rather than a 500.
func checkTokenRequest(req auth.TokenRequest) error {
	bad := func(format string, args ...any) error {
		e := badRequest("request body: "+format, args...)
		e.Code = CodeInvalidArgument
		return e
	}
	if req.Name == "" || len(req.Name) > 64 {
		return bad("name: want 1 to 64 characters")
	}
	if (req.Role == auth.RoleSensor) != (req.Sensor != "") {
		return bad("sensor: give a sensor name with role sensor, and only with it")
	}
	return nil
}

// revokeToken serves DELETE /api/v1/tokens/{id}: the token stops working
// at once and stays listed as revoked.
func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := a.opts.Tokens.RevokeToken(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	noContent(w)
	return nil
}
