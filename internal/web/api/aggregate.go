package api

import (
	"net/http"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

// groupsResponse is the aggregated alerts view.
type groupsResponse struct {
	Paths  []string      `json:"paths"`
	Groups []store.Group `json:"groups"`
}

// groups serves GET /api/v1/alerts/groups?path=Category&path=Source.IP.
func (a *API) groups(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	if err := checkParams(v, "q", "from", "to", "path", "limit"); err != nil {
		return err
	}
	f, err := parseFilter(v, a.now())
	if err != nil {
		return err
	}
	paths := v["path"]
	if len(paths) == 0 {
		return paramError("path", "missing: give one or more IDMEF paths or lifecycle fields (path=Category&path=Source.IP)")
	}
	limit, err := parseInt("limit", v.Get("limit"), 1, 10000, 100)
	if err != nil {
		return err
	}
	gs, err := a.opts.Aggregates.GroupBy(r.Context(), store.GroupRequest{Filter: f, Paths: paths, Limit: limit})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, groupsResponse{Paths: paths, Groups: nonNil(gs)})
	return nil
}

// histogramResponse has counts per time bucket.
type histogramResponse struct {
	Bucket        string         `json:"bucket"`
	BucketSeconds float64        `json:"bucket_seconds"`
	SplitBy       string         `json:"split_by,omitempty"`
	Buckets       []store.Bucket `json:"buckets"`
}

// histogram serves GET /api/v1/alerts/histogram.
func (a *API) histogram(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	if err := checkParams(v, "q", "from", "to", "bucket", "split_by", "limit"); err != nil {
		return err
	}
	f, err := parseFilter(v, a.now())
	if err != nil {
		return err
	}
	req := store.HistogramRequest{Filter: f, SplitBy: v.Get("split_by")}
	if b := v.Get("bucket"); b != "" {
		d, err := parseDuration(b)
		if err != nil || d < time.Second {
			return paramError("bucket", "%q: want a duration of at least 1s, such as 1m, 1h or 1d", b)
		}
		req.Bucket = d
	}
	if req.Limit, err = parseInt("limit", v.Get("limit"), 1, 100, 10); err != nil {
		return err
	}
	h, err := a.opts.Aggregates.Histogram(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, histogramResponse{
		Bucket: h.Bucket.String(), BucketSeconds: h.Bucket.Seconds(), SplitBy: req.SplitBy, Buckets: nonNil(h.Buckets),
	})
	return nil
}

// topValue is one of the most frequent values of a path.
type topValue struct {
	Value     string    `json:"value"`
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// topResponse lists the most frequent values, most frequent first.
type topResponse struct {
	Path   string     `json:"path"`
	Values []topValue `json:"values"`
}

// top serves GET /api/v1/alerts/top?path=Source.IP.
func (a *API) top(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	if err := checkParams(v, "q", "from", "to", "path", "limit"); err != nil {
		return err
	}
	f, err := parseFilter(v, a.now())
	if err != nil {
		return err
	}
	path := v.Get("path")
	if path == "" {
		return paramError("path", "missing: give an IDMEF path or lifecycle field (path=Source.IP)")
	}
	limit, err := parseInt("limit", v.Get("limit"), 1, 1000, 10)
	if err != nil {
		return err
	}
	gs, err := a.opts.Aggregates.Top(r.Context(), store.TopRequest{Filter: f, Path: path, Limit: limit})
	if err != nil {
		return err
	}
	out := topResponse{Path: path, Values: make([]topValue, 0, len(gs))}
	for _, g := range gs {
		val := ""
		if len(g.Keys) > 0 {
			val = g.Keys[0]
		}
		out.Values = append(out.Values, topValue{Value: val, Count: g.Count, FirstSeen: g.FirstSeen, LastSeen: g.LastSeen})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// stats serves GET /api/v1/stats.
func (a *API) stats(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	if err := checkParams(v, "q", "from", "to"); err != nil {
		return err
	}
	f, err := parseFilter(v, a.now())
	if err != nil {
		return err
	}
	st, err := a.opts.Aggregates.Stats(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
