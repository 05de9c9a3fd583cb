package ui

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// EventReader lists raw log events (store.Events satisfies it).
type EventReader interface {
	Events(ctx context.Context, f store.EventFilter) (store.EventPage, error)
}

// eventPageSize is the events page's size.
const eventPageSize = 100

// aroundLimit bounds the events the alert detail's panel shows.
const aroundLimit = 200

// originScan bounds the events read to find an alert's originating ones.
const originScan = 1000

// aroundWindows are the panel's choices; defaultWindow is ±5 minutes.
var aroundWindows = []aroundWindow{{"1m", time.Minute}, {"5m", 5 * time.Minute}, {"1h", time.Hour}}

const defaultWindow = 1

// aroundWindow is one of the panel's windows: ±D around the alert.
type aroundWindow struct {
	Value string
	D     time.Duration
}

// eventFilter is the events page's own filter (the time range is the
// shared filter bar's).
type eventFilter struct {
	Text, Host, App, Input string
}

// eventRow is a raw event as the UI shows it.
type eventRow struct {
	ID       int64
	Time     time.Time
	Host     string
	App      string
	Severity string
	Input    string
	Peer     string
	Message  string
	RuleID   string
	Alerts   []string // the alerts it produced
	Origin   bool     // it produced the alert of the detail page
}

// eventsData is the events page or the detail page's panel.
type eventsData struct {
	Filter    eventFilter
	Rows      []eventRow
	Cursor    string
	Next      string
	Err       string
	Available bool
	// Around panel: the alert, the window and the windows offered.
	AlertID string
	Window  string
	Origins int
}

// severityNames are syslog's severities by number.
var severityNames = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

func severityName(s int) string {
	if s < 0 || s >= len(severityNames) {
		return "—"
	}
	return severityNames[s]
}

// alertIDs splits an event's AlertID (comma-separated when it produced several).
func alertIDs(s string) []string {
	var out []string
	for id := range strings.SplitSeq(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	return out
}

func eventRowOf(e store.Event) eventRow {
	return eventRow{ID: e.ID, Time: e.Time, Host: e.Host, App: e.App, Severity: severityName(e.Severity), Input: e.Input,
		Peer: e.Peer, Message: e.Message, RuleID: e.RuleID, Alerts: alertIDs(e.AlertID)}
}

func (u *UI) eventsPage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d := u.pageData(r, p, "Events")
	d.Nav = "events"
	q := r.URL.Query()
	ef := eventFilter{Text: strings.TrimSpace(q.Get("text")), Host: strings.TrimSpace(q.Get("host")),
		App: strings.TrimSpace(q.Get("app")), Input: strings.TrimSpace(q.Get("input"))}
	d.Events = ef
	l := eventsData{Filter: ef, Cursor: q.Get("cursor"), Available: u.opts.Events != nil}
	switch {
	case !l.Available:
	case d.Filter.err != "":
		l.Err = d.Filter.err
	default:
		page, err := u.opts.Events.Events(r.Context(), store.EventFilter{
			From: d.Filter.from, To: d.Filter.to, Text: ef.Text, Host: ef.Host, App: ef.App, Input: ef.Input,
			Cursor: l.Cursor, Limit: eventPageSize,
		})
		if err != nil {
			if !isUserError(err) {
				return err
			}
			l.Err = err.Error()
			break
		}
		for _, e := range page.Events {
			l.Rows = append(l.Rows, eventRowOf(e))
		}
		l.Next = page.NextCursor
	}
	if r.Header.Get("HX-Request") != "" && r.Header.Get("HX-Target") == "event-list" {
		return render(w, r, http.StatusOK, eventList(d, l))
	}
	return render(w, r, http.StatusOK, eventsPage(d, l))
}

// eventsLink is the events page's URL for the filter, with extra settings.
func (d pageData) eventsLink(extra ...string) string {
	base := []string{"text", d.Events.Text, "host", d.Events.Host, "app", d.Events.App, "input", d.Events.Input}
	return d.Filter.link("/events", append(base, extra...)...)
}

// aroundPanel serves the alert detail's "Logs around this alert" panel:
// the raw events of the alert's hosts and addresses within ±window of its
// time, the ones that produced it marked.
func (u *UI) aroundPanel(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	id := r.PathValue("id")
	d := eventsData{AlertID: id, Window: aroundWindows[defaultWindow].Value, Available: u.opts.Events != nil}
	win := aroundWindows[defaultWindow].D
	if v := r.URL.Query().Get("window"); v != "" {
		i := slices.IndexFunc(aroundWindows, func(x aroundWindow) bool { return x.Value == v })
		if i < 0 {
			return errStatus(http.StatusBadRequest, "window "+v+": want 1m, 5m or 1h")
		}
		d.Window, win = v, aroundWindows[i].D
	}
	if !d.Available {
		return render(w, r, http.StatusOK, aroundPanel(d))
	}
	a, err := u.opts.Alerts.Alert(r.Context(), id)
	if err != nil {
		return err
	}
	doc := decode(a)
	ar := store.AroundAlert(doc)
	from, to := a.CreateTime.Add(-win), a.CreateTime.Add(win)
	page, err := u.opts.Events.Events(r.Context(), store.EventFilter{From: from, To: to, Around: ar, Limit: aroundLimit})
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, e := range page.Events {
		seen[e.ID] = true
		d.Rows = append(d.Rows, eventRowOf(e))
	}
	// The originating events may lie outside the alert's hosts (a log
	// line's host need not be the alert's): look for them in the window.
	origin, err := u.opts.Events.Events(r.Context(), store.EventFilter{From: from, To: to, Limit: originScan})
	if err != nil {
		return err
	}
	for _, e := range origin.Events {
		if !seen[e.ID] && slices.Contains(alertIDs(e.AlertID), id) {
			d.Rows = append(d.Rows, eventRowOf(e))
		}
	}
	slices.SortStableFunc(d.Rows, func(x, y eventRow) int {
		if c := y.Time.Compare(x.Time); c != 0 {
			return c
		}
		return cmp.Compare(y.ID, x.ID)
	})
	for i := range d.Rows {
		if slices.Contains(d.Rows[i].Alerts, id) {
			d.Rows[i].Origin = true
			d.Origins++
		}
	}
	return render(w, r, http.StatusOK, aroundPanel(d))
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// firstAlertHref is the page of an event's first alert, empty when none.
func firstAlertHref(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return alertPath(ids[0], "")
}

// shortID is the start of an alert ID, for a link's text.
func shortID(id string) string {
	if len(id) <= 8 {
		return id
	}
	return id[:8]
}
