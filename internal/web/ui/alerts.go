package ui

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/a-h/templ"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// pageSize is the list's default page: 100 alerts.
const pageSize = 100

// maxBulk bounds the alerts one bulk action changes.
const maxBulk = 1000

// listData is the alert list.
type listData struct {
	Rows    []row
	Next    string // cursor of the next page
	Cursor  string
	Err     string
	Elapsed string
}

func (u *UI) alertsPage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d := u.pageData(r, p, "Alerts")
	d.Nav = "alerts"
	l := u.list(r, d.Filter)
	if r.Header.Get("HX-Request") != "" && r.Header.Get("HX-Target") == "alert-list" {
		return render(w, r, http.StatusOK, alertList(d, l))
	}
	return render(w, r, http.StatusOK, alertsPage(d, l))
}

// list runs the filter bar's search; a bad query is shown, not fatal.
func (u *UI) list(r *http.Request, f filterState) listData {
	l := listData{Cursor: r.URL.Query().Get("cursor")}
	if f.err != "" {
		l.Err = f.err
		return l
	}
	limit := pageSize
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 && n <= 1000 {
		limit = n
	}
	res, err := u.opts.Alerts.Search(r.Context(), store.SearchRequest{Filter: f.storeFilter(), Sort: store.Sort(f.Sort), Cursor: l.Cursor, Limit: limit})
	if err != nil {
		l.Err = err.Error()
		if !isUserError(err) {
			u.log.Error("alert search failed", "err", err)
			l.Err = "search failed; see the server log"
		}
		return l
	}
	l.Rows = make([]row, len(res.Alerts))
	for i, a := range res.Alerts {
		l.Rows[i] = rowOf(a)
	}
	l.Next = res.Next
	return l
}

// bulk applies a state or assignee to the selected alerts.
func (u *UI) bulk(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad form: "+err.Error())
	}
	ids := r.PostForm["id"]
	if len(ids) == 0 {
		return errStatus(http.StatusBadRequest, "select at least one alert")
	}
	if len(ids) > maxBulk {
		return errStatus(http.StatusBadRequest, fmt.Sprintf("at most %d alerts at once", maxBulk))
	}
	ch, err := changeFrom(r, p)
	if err != nil {
		return err
	}
	res, err := u.opts.Lifecycle.UpdateAlerts(r.Context(), ids, ch, p.User())
	if err != nil {
		return err
	}
	w.Header().Set("HX-Trigger", "vigie:refresh")
	return render(w, r, http.StatusOK, flash("ok", fmt.Sprintf("%d alerts changed, %d unchanged", res.Changed, res.Unchanged)))
}

// changeFrom reads state and assignee fields, checking the role.
func changeFrom(r *http.Request, p auth.Principal) (store.Change, error) {
	var ch store.Change
	if s := r.PostFormValue("state"); s != "" {
		st := store.State(s)
		if !st.Valid() {
			return ch, errStatus(http.StatusBadRequest, fmt.Sprintf("state %q: want one of %v", s, store.States()))
		}
		ch.State = &st
	}
	if _, ok := r.PostForm["assignee"]; ok {
		a := r.PostFormValue("assignee")
		ch.Assignee = &a
	}
	if (ch.State != nil || ch.Assignee != nil) && !p.Can(auth.ActionAlertsTriage) {
		return ch, errStatus(http.StatusForbidden, "your role may not triage")
	}
	if ch.State == nil && ch.Assignee == nil {
		return ch, errStatus(http.StatusBadRequest, "nothing to change: give a state or an assignee")
	}
	return ch, nil
}

// render writes a component as HTML.
func render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	return c.Render(r.Context(), w)
}
