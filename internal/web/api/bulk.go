package api

import (
	"context"
	"net/http"

	"github.com/vigie-siem/vigie/internal/store"
)

// bulkBody selects alerts by IDs or by a filter, and the change to apply.
type bulkBody struct {
	IDs    []string    `json:"ids"`
	Filter *bulkFilter `json:"filter"`
	Change changeBody  `json:"change"`
}

// bulkFilter is a search filter: the same q, from and to as the search.
type bulkFilter struct {
	Q    string `json:"q"`
	From string `json:"from"`
	To   string `json:"to"`
}

// bulkResponse counts what a bulk update did.
type bulkResponse struct {
	Matched   int `json:"matched"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
}

// bulkUpdate serves POST /api/v1/alerts/bulk. The change is applied in one
// store transaction: when one alert cannot take it (an invalid transition),
// none changes.
func (a *API) bulkUpdate(w http.ResponseWriter, r *http.Request) error {
	var body bulkBody
	if err := decodeJSON(w, r, a.opts.MaxBodyBytes, &body); err != nil {
		return err
	}
	if (len(body.IDs) == 0) == (body.Filter == nil) {
		return badRequest("request body: give either ids or filter")
	}
	ch, err := body.Change.change(r)
	if err != nil {
		return err
	}
	ids := body.IDs
	if len(ids) > a.opts.MaxBulk {
		return badRequest("request body: %d ids; at most %d per request", len(ids), a.opts.MaxBulk)
	}
	if body.Filter != nil {
		if ids, err = a.matchIDs(r.Context(), *body.Filter); err != nil {
			return err
		}
	}
	out := bulkResponse{Matched: len(ids)}
	if len(ids) > 0 {
		res, err := a.opts.Lifecycle.UpdateAlerts(r.Context(), ids, ch, principal(r).User())
		if err != nil {
			return err
		}
		out.Changed, out.Unchanged = res.Changed, res.Unchanged
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// matchIDs returns the IDs of the alerts a filter matches, refusing a
// filter that matches more than MaxBulk.
func (a *API) matchIDs(ctx context.Context, bf bulkFilter) ([]string, error) {
	now := a.now()
	f := store.Filter{Query: bf.Q}
	var err error
	if f.From, err = parseTime("filter.from", bf.From, now); err != nil {
		return nil, err
	}
	if f.To, err = parseTime("filter.to", bf.To, now); err != nil {
		return nil, err
	}
	var ids []string
	req := store.SearchRequest{Filter: f, Sort: store.SortTimeAsc, Limit: 1000}
	for {
		res, err := a.opts.Alerts.Search(ctx, req)
		if err != nil {
			return nil, err
		}
		for _, al := range res.Alerts {
			ids = append(ids, al.ID)
		}
		if len(ids) > a.opts.MaxBulk {
			e := badRequest("filter matches more than %d alerts; narrow it", a.opts.MaxBulk)
			e.Details = queryDetails{Parameter: "filter"}
			return nil, e
		}
		if res.Next == "" {
			return ids, nil
		}
		req.Cursor = res.Next
	}
}
