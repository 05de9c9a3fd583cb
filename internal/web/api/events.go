package api

import (
	"context"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

// EventReader lists raw log events (store.Events satisfies it).
type EventReader interface {
	Events(ctx context.Context, f store.EventFilter) (store.EventPage, error)
}

// maxAroundWindow bounds the around window.
const maxAroundWindow = 24 * time.Hour

// eventView is a raw event as the API shows it: the raw bytes as text when
// they are UTF-8, else base64.
type eventView struct {
	ID        int64     `json:"id"`
	Time      time.Time `json:"time"`
	Received  time.Time `json:"received"`
	Input     string    `json:"input"`
	Peer      string    `json:"peer,omitempty"`
	Host      string    `json:"host,omitempty"`
	App       string    `json:"app,omitempty"`
	Facility  int       `json:"facility"`
	Severity  int       `json:"severity"`
	Message   string    `json:"message"`
	RawText   *string   `json:"raw_text,omitempty"`
	RawBase64 []byte    `json:"raw_base64,omitempty"`
	RuleID    string    `json:"rule_id,omitempty"`
	AlertID   string    `json:"alert_id,omitempty"`
}

type eventsResponse struct {
	Events     []eventView `json:"events"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// listEvents serves GET /api/v1/events.
func (a *API) listEvents(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	if err := checkParams(v, "q", "from", "to", "host", "app", "input", "cursor", "limit", "around", "window"); err != nil {
		return err
	}
	if a.opts.Events == nil {
		return notFound("event store")
	}
	now := a.now()
	f := store.EventFilter{Text: v.Get("q"), Host: v.Get("host"), App: v.Get("app"), Input: v.Get("input"), Cursor: v.Get("cursor")}
	var err error
	if f.From, err = parseTime("from", v.Get("from"), now); err != nil {
		return err
	}
	if f.To, err = parseTime("to", v.Get("to"), now); err != nil {
		return err
	}
	if f.Limit, err = parseInt("limit", v.Get("limit"), 1, 1000, 100); err != nil {
		return err
	}
	if id := v.Get("around"); id != "" {
		if err := a.around(r.Context(), id, v.Get("window"), &f); err != nil {
			return err
		}
	} else if v.Get("window") != "" {
		return paramError("window", "only applies with around")
	}
	page, err := a.opts.Events.Events(r.Context(), f)
	if err != nil {
		return err
	}
	out := eventsResponse{Events: make([]eventView, 0, len(page.Events)), NextCursor: page.NextCursor}
	for _, e := range page.Events {
		ev := eventView{ID: e.ID, Time: e.Time, Received: e.Received, Input: e.Input, Peer: e.Peer, Host: e.Host, App: e.App,
			Facility: e.Facility, Severity: e.Severity, Message: e.Message, RuleID: e.RuleID, AlertID: e.AlertID}
		if utf8.Valid(e.Raw) {
			s := string(e.Raw)
			ev.RawText = &s
		} else {
			ev.RawBase64 = e.Raw
		}
		out.Events = append(out.Events, ev)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// around narrows f to the events near alert id: its hosts (analyzer,
// sensors, sources, targets) or addresses, within ±window of its
// CreateTime (default 5m, at most 24h), inside any from/to given.
func (a *API) around(ctx context.Context, id, window string, f *store.EventFilter) error {
	win := 5 * time.Minute
	if window != "" {
		d, err := time.ParseDuration(window)
		if err != nil || d <= 0 || d > maxAroundWindow {
			return paramError("window", "%q: want a duration from 1s to 24h, e.g. 5m", window)
		}
		win = d
	}
	st, err := a.opts.Alerts.Alert(ctx, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("alert")
		}
		return err
	}
	doc, err := idmefv2.Decode(st.JSON)
	if err != nil {
		return err
	}
	ar := store.AroundAlert(doc)
	from, to := st.CreateTime.Add(-win), st.CreateTime.Add(win)
	if f.From.IsZero() || f.From.Before(from) {
		f.From = from
	}
	if f.To.IsZero() || f.To.After(to) {
		f.To = to
	}
	f.Around = ar
	return nil
}
