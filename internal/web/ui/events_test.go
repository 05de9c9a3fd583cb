package ui

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var (
	eventRowRe = regexp.MustCompile(`<tr class="event-row[^"]*" data-id="(\d+)"`)
	olderRe    = regexp.MustCompile(`href="(/events\?[^"]*)" id="older-page"`)
	timeCellRe = regexp.MustCompile(`<td class="time">([^<]*)</td>`)
)

// eventIDs lists the event rows of a page, in order.
func eventIDs(t *testing.T, body string) []int64 {
	t.Helper()
	var ids []int64
	for _, m := range eventRowRe.FindAllStringSubmatch(body, -1) {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestEventsPagePaging(t *testing.T) {
	f := newFixture(t, 20, nil)
	c := f.login("vic", viewerPassword) // viewers read events
	res, body := c.get("/events?range=all")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `href="/events?`) || !strings.Contains(body, "Raw events") {
		t.Fatalf("/events: %d, want the page with its nav entry", res.StatusCode)
	}
	first := eventIDs(t, body)
	if len(first) != eventPageSize {
		t.Fatalf("first page: %d events, want %d", len(first), eventPageSize)
	}
	times := timeCellRe.FindAllStringSubmatch(body, -1)
	for i := 1; i < len(times); i++ {
		if times[i][1] > times[i-1][1] {
			t.Fatalf("not newest first: %s after %s", times[i][1], times[i-1][1])
		}
	}
	m := olderRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no Older link on a full page")
	}
	res, body = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	second := eventIDs(t, body)
	if res.StatusCode != http.StatusOK || len(second) == 0 {
		t.Fatalf("older page: %d, %d events", res.StatusCode, len(second))
	}
	if olderRe.MatchString(body) {
		t.Error("the last page still offers Older")
	}
	all := append(slices.Clone(first), second...)
	want := fillerEvents + 5
	slices.Sort(all)
	if len(slices.Compact(all)) != want {
		t.Errorf("two pages: %d distinct events, want %d", len(slices.Compact(all)), want)
	}
	// Live refresh asks for the list fragment only.
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/events?range=all&host=fw-01", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "event-list")
	res, body = c.do(req)
	if res.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.HasPrefix(body, `<div id="event-list"`) {
		t.Fatalf("htmx refresh: %d, want the bare list\n%s", res.StatusCode, cut(body, 300))
	}
	// A forged cursor is reported, not a server error.
	res, body = c.get("/events?range=all&cursor=garbage")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="query-error"`) {
		t.Fatalf("bad cursor: %d, want the page with the error", res.StatusCode)
	}
	// Anonymous visitors go to the login page.
	anon := noRedirect(&client{f: f, hc: &http.Client{}})
	if res, _ := anon.get("/events"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("anonymous /events: %d, want 303", res.StatusCode)
	}
}

func TestEventsPageFilters(t *testing.T) {
	f := newFixture(t, 20, nil)
	c := f.login("ana", analystPassword)
	for _, tc := range []struct {
		query string
		n     int
		want  string
	}{
		{"text=oracle", 1, "Invalid user oracle"},
		{"text=" + url.QueryEscape("Failed password root"), 1, originRule},
		{"host=fw-01", eventPageSize, "DROP IN=eth0"},
		{"app=lpd", 1, "queue flushed"},
		{"input=" + url.QueryEscape("syslog/tcp"), 3, "bastion"},
		{"host=fw-01&text=nothing-like-this", 0, "No raw event matches"},
	} {
		res, body := c.get("/events?range=all&" + tc.query)
		if got := len(eventIDs(t, body)); res.StatusCode != http.StatusOK || got != tc.n || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, %d events (want %d) containing %q: %v", tc.query, res.StatusCode, got, tc.n, tc.want, strings.Contains(body, tc.want))
		}
	}
	// The shared time range applies: the last 15 minutes hold no event of
	// the log alert (at least hours old) but do hold recent firewall lines.
	_, body := c.get("/events?range=15m&text=oracle")
	if n := len(eventIDs(t, body)); n != 0 {
		t.Errorf("range=15m&text=oracle: %d events, want 0", n)
	}
	_, body = c.get("/events?range=15m&host=fw-01")
	if n := len(eventIDs(t, body)); n == 0 || n == eventPageSize+1 {
		t.Errorf("range=15m&host=fw-01: %d events", n)
	}
	// The originating event links to its alerts.
	_, body = c.get("/events?range=all&app=sshd&host=auth-logger")
	if !strings.Contains(body, `href="/alerts/`+f.logAlert+`"`) || !strings.Contains(body, `href="/alerts/other-alert"`) {
		t.Errorf("origin event: no link to each of its alerts")
	}
	// The alerts query of the filter bar is kept across the events page.
	_, body = c.get("/events?range=all&q=" + url.QueryEscape("Priority = High"))
	if !strings.Contains(body, `<input type="hidden" name="q" value="Priority = High">`) {
		t.Errorf("the alerts query is not carried through the events page")
	}
}

func TestEventsEscaping(t *testing.T) {
	f := newFixture(t, 20, nil)
	c := f.login("vic", viewerPassword)
	_, body := c.get("/events?range=all&app=sshd&input=" + url.QueryEscape("file:/var/log/auth.log"))
	if !strings.Contains(body, "evil-host") {
		t.Fatal("the hostile event is not listed")
	}
	for _, bad := range []string{"<script>alert(1)", "<img src=x", "<b>evil-host</b>", `onerror="alert`} {
		if strings.Contains(body, bad) {
			t.Errorf("raw event rendered as HTML: %q found", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=", "&lt;b&gt;evil-host&lt;/b&gt;"} {
		if !strings.Contains(body, good) {
			t.Errorf("escaped text %q missing", good)
		}
	}
	// The free-text field echoes the user's input escaped too.
	_, body = c.get("/events?range=all&text=" + url.QueryEscape(`"><script>x</script>`))
	if strings.Contains(body, "<script>x</script>") {
		t.Error("the free-text value is reflected unescaped")
	}
}

func TestEventsUnavailable(t *testing.T) {
	f := newFixture(t, 10, nil)
	noEvents, err := New(Options{Alerts: f.store, Lifecycle: f.store, Ops: f.store, Auth: f.auth})
	if err != nil {
		t.Fatal(err)
	}
	f.ui = noEvents
	c := f.login("vic", viewerPassword)
	res, body := c.get("/events")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="events-unavailable"`) {
		t.Fatalf("/events without an event store: %d, want the page saying so", res.StatusCode)
	}
	res, body = c.get("/alerts/" + f.logAlert + "/events")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Raw events are not available") {
		t.Fatalf("around panel without an event store: %d", res.StatusCode)
	}
}

func TestAroundPanel(t *testing.T) {
	f := newFixture(t, 20, nil)
	c := f.login("vic", viewerPassword)
	_, body := c.get("/alerts/" + f.logAlert)
	if !strings.Contains(body, `hx-get="/alerts/`+f.logAlert+`/events"`) {
		t.Fatal("the detail page does not load the logs panel")
	}
	res, body := c.get("/alerts/" + f.logAlert + "/events")
	if res.StatusCode != http.StatusOK || strings.Contains(body, "<html") {
		t.Fatalf("panel: %d, want a fragment", res.StatusCode)
	}
	origin := `<tr class="event-row sev-notice origin" data-id="` + strconv.FormatInt(f.logOrigin, 10) + `"`
	if !strings.Contains(body, origin) || !strings.Contains(body, "1 produced this alert") {
		t.Errorf("the originating event is not highlighted (%s)\n%s", origin, cut(body, 2000))
	}
	if !strings.Contains(body, "Invalid user oracle") {
		t.Error("the neighbour naming the source IP 2 minutes earlier is missing")
	}
	for _, absent := range []string{"queue flushed", "port 50022", "DROP IN="} {
		if strings.Contains(body, absent) {
			t.Errorf("±5m panel shows %q (other host, or outside the window)", absent)
		}
	}
	if n := strings.Count(body, `class="event-row`); n != 2 {
		t.Errorf("±5m: %d events, want 2", n)
	}
	_, body = c.get("/alerts/" + f.logAlert + "/events?window=1h")
	if !strings.Contains(body, "port 50022") || strings.Count(body, `class="event-row`) != 3 {
		t.Errorf("±1h: the event 30 minutes earlier is missing")
	}
	_, body = c.get("/alerts/" + f.logAlert + "/events?window=1m")
	if strings.Contains(body, "Invalid user oracle") || strings.Count(body, `class="event-row`) != 1 {
		t.Errorf("±1m: want only the origin")
	}
	if res, _ := c.get("/alerts/" + f.logAlert + "/events?window=2h"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("window=2h: %d, want 400", res.StatusCode)
	}
	if res, _ := c.get("/alerts/no-such-alert/events"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown alert: %d, want 404", res.StatusCode)
	}
	// An alert with no log around it says so.
	_, body = c.get("/alerts/" + f.enriched + "/events?window=1m")
	if !strings.Contains(body, "No raw event from this alert") {
		t.Errorf("alert without logs: the panel does not say so\n%s", cut(body, 1500))
	}
}
