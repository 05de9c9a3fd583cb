package securitytrails

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// Usage is the account's monthly quota as GET /account/usage reports it.
type Usage struct {
	Current int64 `json:"current_monthly_usage"`
	Allowed int64 `json:"allowed_monthly_usage"`
}

// Exhausted reports whether the month's calls are used up (an Allowed of 0
// means the account reports no limit).
func (u Usage) Exhausted() bool { return u.Allowed > 0 && u.Current >= u.Allowed }

// Usage returns the account's monthly usage (unpaced; it does not count
// against the quota).
func (c *Client) Usage(ctx context.Context, key APIKey) (Usage, error) {
	r, err := c.call(ctx, key, http.MethodGet, "account/usage", "account/usage", 1, nil)
	if err != nil {
		return Usage{}, err
	}
	switch err := classify("account/usage", r); {
	case errors.Is(err, errNoData):
		return Usage{}, &ResponseError{Endpoint: "account/usage", Status: r.status, Body: string(r.body)}
	case err != nil:
		return Usage{}, err
	}
	var u Usage
	if err := json.Unmarshal(r.body, &u); err != nil {
		return Usage{}, &ResponseError{Endpoint: "account/usage", Status: r.status, Body: string(r.body)}
	}
	return u, nil
}
