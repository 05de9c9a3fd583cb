package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

// searchParams are the parameters of GET /api/v1/alerts.
var searchParams = []string{"q", "from", "to", "sort", "cursor", "limit", "total"}

// searchResponse is one page of a search.
type searchResponse struct {
	Alerts     []alertSummary `json:"alerts"`
	NextCursor string         `json:"next_cursor,omitempty"`
	Total      *int           `json:"total,omitempty"`
}

// searchAlerts serves GET /api/v1/alerts.
func (a *API) searchAlerts(w http.ResponseWriter, r *http.Request) error {
	req, err := a.parseSearch(r)
	if err != nil {
		return err
	}
	res, err := a.opts.Alerts.Search(r.Context(), req)
	if err != nil {
		return err
	}
	out := searchResponse{Alerts: make([]alertSummary, 0, len(res.Alerts)), NextCursor: res.Next}
	if req.Total {
		out.Total = &res.Total
	}
	for _, al := range res.Alerts {
		out.Alerts = append(out.Alerts, summarize(al))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// parseSearch reads the search parameters.
func (a *API) parseSearch(r *http.Request) (store.SearchRequest, error) {
	v := r.URL.Query()
	var req store.SearchRequest
	if err := checkParams(v, searchParams...); err != nil {
		return req, err
	}
	var err error
	if req.Filter, err = parseFilter(v, a.now()); err != nil {
		return req, err
	}
	switch s := store.Sort(v.Get("sort")); s {
	case "", store.SortTimeDesc, store.SortTimeAsc, store.SortPriorityDesc, store.SortPriorityAsc:
		req.Sort = s
	default:
		return req, paramError("sort", "%q: want time_desc, time_asc, priority_desc or priority_asc", s)
	}
	req.Cursor = v.Get("cursor")
	if req.Limit, err = parseInt("limit", v.Get("limit"), 1, 1000, 50); err != nil {
		return req, err
	}
	if req.Total, err = parseBool("total", v.Get("total")); err != nil {
		return req, err
	}
	return req, nil
}

// alertDetail is the answer of GET /api/v1/alerts/{id}: the IDMEFv2
// document, with the lifecycle exported into Status, and Vigie's fields
// beside it.
type alertDetail struct {
	Alert     json.RawMessage `json:"alert"`
	Lifecycle store.Lifecycle `json:"lifecycle"`
	Received  time.Time       `json:"received"`
	Updated   time.Time       `json:"updated"`
}

// alertDetail serves GET /api/v1/alerts/{id}.
func (a *API) alertDetail(w http.ResponseWriter, r *http.Request) error {
	al, err := a.opts.Alerts.Alert(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	doc, err := store.ExportJSON(al)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, alertDetail{Alert: doc, Lifecycle: al.Lifecycle, Received: al.StoredAt, Updated: al.UpdatedAt})
	return nil
}
