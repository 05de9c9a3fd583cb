package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// pageData is what the layout needs on every page.
type pageData struct {
	Title    string
	Nav      string // the active menu entry
	User     string
	Role     auth.Role
	CSRF     string
	CSS, JS  string // hashed asset URLs
	Icon     string
	Atlas    string // hashed URL of the world shapes
	p        auth.Principal
	Filter   filterState
	NoFilter bool        // hide the filter bar
	By       string      // group-by paths (aggregated view)
	Events   eventFilter // the events page's filter
}

func (d pageData) can(a auth.Action) bool { return d.p.Can(a) }

func (u *UI) pageData(r *http.Request, p auth.Principal, title string) pageData {
	return pageData{
		Title: title, User: p.Name, Role: p.Role, CSRF: p.CSRFToken(), p: p,
		CSS: u.assets.url("app.css"), JS: u.assets.url("app.js"), Icon: u.assets.url("favicon.svg"), Atlas: u.assets.url("countries-110m.json"),
		Filter: u.filterFrom(r),
	}
}

// filterState is the shared filter bar: query, time range, sort.
type filterState struct {
	Q     string // query language (docs/QUERY.md)
	Range string // 15m, 1h, 24h, 7d, 30d, all, custom
	From  string // custom range, datetime-local or RFC 3339
	To    string
	Sort  string
	from  time.Time
	to    time.Time
	err   string
}

// relativeRanges are the time range choices, in the order shown.
var relativeRanges = []struct{ Value, Label string }{
	{"15m", "Last 15 minutes"}, {"1h", "Last hour"}, {"24h", "Last 24 hours"}, {"7d", "Last 7 days"},
	{"30d", "Last 30 days"}, {"all", "All time"}, {"custom", "Custom…"},
}

func (u *UI) filterFrom(r *http.Request) filterState {
	q := r.URL.Query()
	f := filterState{Q: strings.TrimSpace(q.Get("q")), Range: q.Get("range"), From: q.Get("from"), To: q.Get("to"), Sort: q.Get("sort")}
	if f.Range == "" {
		f.Range = "24h"
	}
	now := u.opts.Now()
	switch f.Range {
	case "all":
	case "custom":
		var err error
		if f.from, err = parseTimeInput(f.From); err != nil {
			f.err = "from: " + err.Error()
		}
		if f.to, err = parseTimeInput(f.To); err != nil {
			f.err = "to: " + err.Error()
		}
	default:
		d, err := parseRelative(f.Range)
		if err != nil {
			f.err = "range: " + err.Error()
			f.Range = "24h"
			d = 24 * time.Hour
		}
		f.from = now.Add(-d)
	}
	return f
}

// storeFilter is the filter as the store takes it.
func (f filterState) storeFilter() store.Filter {
	return store.Filter{Query: f.Q, From: f.from, To: f.to}
}

// values encodes the filter (for links), with extra settings applied.
func (f filterState) values(extra ...string) url.Values {
	v := url.Values{}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	v.Set("range", f.Range)
	if f.Range == "custom" {
		v.Set("from", f.From)
		v.Set("to", f.To)
	}
	if f.Sort != "" {
		v.Set("sort", f.Sort)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			v.Del(extra[i])
		} else {
			v.Set(extra[i], extra[i+1])
		}
	}
	return v
}

// link is path?filter.
func (f filterState) link(path string, extra ...string) string {
	return path + "?" + f.values(extra...).Encode()
}

// and adds a term to the filter's query.
func (f filterState) and(term string) string {
	if f.Q == "" {
		return term
	}
	return "(" + f.Q + ") and " + term
}

func parseRelative(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > 3660 {
			return 0, errStatus(http.StatusBadRequest, "want a duration such as 15m, 24h or 7d")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errStatus(http.StatusBadRequest, "want a duration such as 15m, 24h or 7d")
	}
	return d, nil
}

// parseTimeInput reads an absolute time: RFC 3339, or a datetime-local
// value (taken as UTC). Empty means unbounded.
func parseTimeInput(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errStatus(http.StatusBadRequest, "want RFC 3339 or YYYY-MM-DDTHH:MM (UTC)")
}

// quote writes a value of the query language (invalid UTF-8, which no
// stored value holds, becomes U+FFFD so that the query still parses).
func quote(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// row is an alert as the list shows it.
type row struct {
	ID          string
	Time        time.Time
	Priority    string
	Category    string
	Description string
	Source      string
	Target      string
	Analyzer    string
	State       store.State
	Assignee    string
	Tags        []string
}

// decode reads a stored alert's document, leniently: a document the
// strict decoder refuses is still shown.
func decode(a store.Alert) *idmefv2.Alert {
	if doc, err := idmefv2.Decode(a.JSON); err == nil {
		return doc
	}
	var doc idmefv2.Alert
	_ = json.Unmarshal(a.JSON, &doc)
	return &doc
}

func rowOf(a store.Alert) row {
	doc := decode(a)
	r := row{
		ID: a.ID, Time: a.CreateTime, Priority: string(doc.Priority), Description: doc.Description,
		Analyzer: doc.Analyzer.Name, State: a.Lifecycle.State, Assignee: a.Lifecycle.Assignee, Tags: a.Lifecycle.Tags,
	}
	if r.Priority == "" {
		r.Priority = "Unknown"
	}
	cats := make([]string, len(doc.Category))
	for i, c := range doc.Category {
		cats[i] = string(c)
	}
	r.Category = strings.Join(cats, ", ")
	var src, dst []string
	for _, s := range doc.Source {
		src = append(src, firstOf(s.IP, s.Hostname, s.User, s.Email, s.Location))
	}
	for _, t := range doc.Target {
		dst = append(dst, firstOf(t.Hostname, t.IP, t.Service, t.User, t.Location))
	}
	r.Source, r.Target = summarize(src), summarize(dst)
	return r
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// summarize shows the first value and how many more there are.
func summarize(vs []string) string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	switch len(out) {
	case 0:
		return ""
	case 1:
		return out[0]
	}
	return out[0] + " +" + strconv.Itoa(len(out)-1)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

func stateLabel(s store.State) string { return strings.ReplaceAll(string(s), "_", " ") }

func itoa(n int) string { return strconv.Itoa(n) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// sortToggle flips the list between newest and oldest first.
func sortToggle(cur, _ string) string {
	if cur == "time_asc" {
		return ""
	}
	return "time_asc"
}

// jsonString quotes s as a JSON string (for hx-vals).
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func lower(s string) string { return strings.ToLower(s) }

// sensorTerm selects a sensor's or analyzer's alerts.
func sensorTerm(s store.SensorInfo) string {
	if s.Kind == store.KindAnalyzer {
		return "Analyzer.Name = " + quote(s.Name)
	}
	return "Sensor.Name = " + quote(s.Name)
}
