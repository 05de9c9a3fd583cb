package ui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// dashData is the dashboard's data, sent to the page as JSON.
type dashData struct {
	Stats     store.Stats `json:"stats"`
	Volume    volume      `json:"volume"`
	Tops      []topChart  `json:"tops"`
	Heat      [][3]int    `json:"heat"`      // weekday (0 = Monday), hour, count
	HeatHref  [][]string  `json:"heat_href"` // [weekday][hour]: the latest such hour in range
	Geo       []geoPoint  `json:"geo"`
	Countries []topItem   `json:"countries"`
	// Located is how many source values carry a location.
	Located int    `json:"located"`
	Err     string `json:"err,omitempty"`
}

type volume struct {
	Times  []string       `json:"times"` // bucket starts, RFC 3339
	Series []volumeSeries `json:"series"`
	Hrefs  [][]string     `json:"hrefs"` // [series][bucket]
}

type volumeSeries struct {
	Name   string `json:"name"`
	Counts []int  `json:"counts"`
}

type topChart struct {
	Title string    `json:"title"`
	Path  string    `json:"path"`
	Items []topItem `json:"items"`
}

type topItem struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
	Href  string `json:"href"`
}

type geoPoint struct {
	Lat   float64 `json:"lat"`
	Lon   float64 `json:"lon"`
	Count int     `json:"count"`
	Key   string  `json:"key"`
	Href  string  `json:"href"`
}

// dashTops are the top-N charts.
var dashTops = []struct{ Title, Path string }{
	{"Top categories", "Category"}, {"Top sources", "Source(*).IP"}, {"Top targets", "Target(*).Hostname"},
	{"Top users", "Target(*).User"}, {"Top analyzers", "Analyzer.Name"},
}

// priorities in the order of the charts' series.
var priorities = []string{"High", "Medium", "Low", "Info", "Unknown"}

func (u *UI) dashboardPage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	pd := u.pageData(r, p, "Dashboard")
	pd.Nav = "dashboard"
	d, err := u.dashboard(r, pd.Filter)
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, dashboardPage(pd, d))
}

func (u *UI) dashboard(r *http.Request, f filterState) (dashData, error) {
	ctx := r.Context()
	var d dashData
	if f.err != "" {
		d.Err = f.err
		return d, nil
	}
	sf := f.storeFilter()
	var err error
	if d.Stats, err = u.opts.Alerts.Stats(ctx, sf); err != nil {
		if isUserError(err) {
			d.Err = err.Error()
			return d, nil
		}
		return d, err
	}
	h, err := u.opts.Alerts.Histogram(ctx, store.HistogramRequest{Filter: sf, SplitBy: "Priority"})
	if err != nil {
		return d, err
	}
	d.Volume = volumeOf(h, f)
	for _, t := range dashTops {
		groups, err := u.opts.Alerts.Top(ctx, store.TopRequest{Filter: sf, Path: t.Path, Limit: 10})
		if err != nil {
			return d, err
		}
		c := topChart{Title: t.Title, Path: t.Path}
		for _, g := range groups {
			if len(g.Keys) == 0 || g.Keys[0] == "" {
				continue
			}
			c.Items = append(c.Items, topItem{Key: g.Keys[0], Count: g.Count, Href: f.link("/alerts", "q", f.and(pathTerm(t.Path, g.Keys[0])))})
		}
		d.Tops = append(d.Tops, c)
	}
	hourly, err := u.opts.Alerts.Histogram(ctx, store.HistogramRequest{Filter: sf, Bucket: time.Hour})
	if err != nil {
		return d, err
	}
	d.Heat, d.HeatHref = heatOf(hourly, f)
	if err := u.geo(r, f, &d); err != nil {
		return d, err
	}
	return d, nil
}

func volumeOf(h store.Histogram, f filterState) volume {
	var v volume
	seen := map[string]bool{}
	for _, b := range h.Buckets {
		v.Times = append(v.Times, b.Start.UTC().Format(time.RFC3339))
		for k := range b.Counts {
			seen[k] = true
		}
	}
	names := slices.Clone(priorities)
	for k := range seen {
		if !slices.Contains(names, k) && k != "" {
			names = append(names, k)
		}
	}
	for _, name := range names {
		key := name
		if name == "Unknown" && seen[""] {
			key = ""
		}
		if !seen[key] {
			continue
		}
		s := volumeSeries{Name: name, Counts: make([]int, len(h.Buckets))}
		hrefs := make([]string, len(h.Buckets))
		for i, b := range h.Buckets {
			s.Counts[i] = b.Counts[key]
			hrefs[i] = rangeLink(f, b.Start, b.Start.Add(h.Bucket), pathTerm("Priority", key))
		}
		v.Series = append(v.Series, s)
		v.Hrefs = append(v.Hrefs, hrefs)
	}
	return v
}

// rangeLink is the alert list over [from, to) with an extra term.
func rangeLink(f filterState, from, to time.Time, term string) string {
	g := f
	g.Range, g.From, g.To = "custom", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339)
	return g.link("/alerts", "q", f.and(term))
}

// heatOf folds hourly buckets into weekday × hour of day (UTC).
func heatOf(h store.Histogram, f filterState) ([][3]int, [][]string) {
	var counts [7][24]int
	var latest [7][24]time.Time
	for _, b := range h.Buckets {
		t := b.Start.UTC()
		wd := (int(t.Weekday()) + 6) % 7
		counts[wd][t.Hour()] += b.Total
		if t.After(latest[wd][t.Hour()]) {
			latest[wd][t.Hour()] = t
		}
	}
	var cells [][3]int
	hrefs := make([][]string, 7)
	for wd := range 7 {
		hrefs[wd] = make([]string, 24)
		for hr := range 24 {
			cells = append(cells, [3]int{wd, hr, counts[wd][hr]})
			if t := latest[wd][hr]; !t.IsZero() {
				g := f
				g.Range, g.From, g.To = "custom", t.Format(time.RFC3339), t.Add(time.Hour).Format(time.RFC3339)
				hrefs[wd][hr] = g.link("/alerts")
			}
		}
	}
	return cells, hrefs
}

// geo counts source locations: GeoLocation ("lat,lon") points for the
// map and UN/LOCODE country prefixes. Sources without either are not on
// the map; the page says how many are.
func (u *UI) geo(r *http.Request, f filterState, d *dashData) error {
	sf := f.storeFilter()
	pts, err := u.opts.Alerts.Top(r.Context(), store.TopRequest{Filter: sf, Path: "Source(*).GeoLocation", Limit: 1000})
	if err != nil {
		return err
	}
	for _, g := range pts {
		if len(g.Keys) == 0 {
			continue
		}
		lat, lon, ok := parseGeo(g.Keys[0])
		if !ok {
			continue
		}
		d.Located += g.Count
		d.Geo = append(d.Geo, geoPoint{Lat: lat, Lon: lon, Count: g.Count, Key: g.Keys[0],
			Href: f.link("/alerts", "q", f.and(pathTerm("Source(*).GeoLocation", g.Keys[0])))})
	}
	locs, err := u.opts.Alerts.Top(r.Context(), store.TopRequest{Filter: sf, Path: "Source(*).UnLocation", Limit: 1000})
	if err != nil {
		return err
	}
	byCountry := map[string]int{}
	var order []string
	for _, g := range locs {
		if len(g.Keys) == 0 || len(g.Keys[0]) < 2 {
			continue
		}
		cc := strings.ToUpper(g.Keys[0][:2])
		if _, ok := byCountry[cc]; !ok {
			order = append(order, cc)
		}
		byCountry[cc] += g.Count
	}
	for _, cc := range order {
		d.Countries = append(d.Countries, topItem{Key: cc, Count: byCountry[cc], Href: f.link("/alerts", "q", f.and("Source(*).UnLocation ~ "+quote(cc+"*")))})
	}
	slices.SortStableFunc(d.Countries, func(a, b topItem) int { return b.Count - a.Count })
	return nil
}

// parseGeo reads an IDMEF GeoLocation "lat,lon[,alt]".
func parseGeo(s string) (lat, lon float64, ok bool) {
	parts := strings.Split(s, ",")
	if len(parts) < 2 {
		return 0, 0, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return 0, 0, false
	}
	return lat, lon, true
}
