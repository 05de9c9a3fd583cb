package api

import (
	"net/http"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

// sensorView adds the last sign of life to what the store knows.
type sensorView struct {
	store.SensorInfo
	LastSeen time.Time `json:"last_seen"`
}

// sensorsResponse lists Analyzers and Sensors with their state.
type sensorsResponse struct {
	OfflineAfter string       `json:"offline_after"`
	Online       int          `json:"online"`
	Offline      int          `json:"offline"`
	Sensors      []sensorView `json:"sensors"`
}

// sensors serves GET /api/v1/sensors?kind=analyzer&offline_after=10m.
func (a *API) sensors(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	if err := checkParams(v, "kind", "offline_after"); err != nil {
		return err
	}
	f := store.SensorFilter{Kind: store.SensorKind(v.Get("kind")), OfflineAfter: 10 * time.Minute, Now: a.now()}
	switch f.Kind {
	case "", store.KindAnalyzer, store.KindSensor:
	default:
		return paramError("kind", "%q: want analyzer or sensor", f.Kind)
	}
	if s := v.Get("offline_after"); s != "" {
		d, err := parseDuration(s)
		if err != nil || d <= 0 {
			return paramError("offline_after", "%q: want a positive duration such as 90s, 10m or 1h", s)
		}
		f.OfflineAfter = d
	}
	infos, err := a.opts.Sensors.Sensors(r.Context(), f)
	if err != nil {
		return err
	}
	out := sensorsResponse{OfflineAfter: f.OfflineAfter.String(), Sensors: make([]sensorView, 0, len(infos))}
	for _, s := range infos {
		if s.Online {
			out.Online++
		} else {
			out.Offline++
		}
		out.Sensors = append(out.Sensors, sensorView{SensorInfo: s, LastSeen: s.LastSeen()})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
