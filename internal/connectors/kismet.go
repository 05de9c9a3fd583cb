package connectors

import (
	"math"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// kismetAlert is a Kismet WIDS alert (kismet.alert.* fields).
type kismetAlert struct {
	Timestamp *float64 `json:"kismet.alert.timestamp"`
	Severity  int64    `json:"kismet.alert.severity"`
	Header    string   `json:"kismet.alert.header"`
	SourceMAC string   `json:"kismet.alert.source_mac"`
	DestMAC   string   `json:"kismet.alert.dest_mac"`
	Text      string   `json:"kismet.alert.text"`
	Channel   string   `json:"kismet.alert.channel"`
}

// kismetPriority maps the severity as the original connector did.
func kismetPriority(sev int64) idmefv2.Priority {
	switch {
	case sev < 5:
		return idmefv2.PriorityInfo
	case sev < 10:
		return idmefv2.PriorityLow
	case sev < 15:
		return idmefv2.PriorityMedium
	}
	return idmefv2.PriorityHigh
}

func convertKismet(b *builder, line []byte) (*idmefv2.Alert, error) {
	var ev kismetAlert
	if err := b.decode(line, &ev); err != nil {
		return nil, err
	}
	if ev.Timestamp == nil {
		return nil, b.errf("field %q: missing", "kismet.alert.timestamp")
	}
	ts := *ev.Timestamp
	if ts < 0 || ts > 253402300799 || math.IsNaN(ts) {
		return nil, b.errf("field %q: %v is not a Unix time", "kismet.alert.timestamp", ts)
	}
	sec, frac := math.Modf(ts)
	at := time.Unix(int64(sec), int64(frac*1e6)*1e3).UTC()
	a, err := b.alert("kismet", at)
	if err != nil {
		return nil, err
	}
	a.Type = []idmefv2.Type{idmefv2.TypeCyber}
	a.Category = []idmefv2.Category{idmefv2.CategoryReconNetwork}
	a.Priority = kismetPriority(ev.Severity)
	a.Description = ev.Header
	a.Note = ev.Text
	if ev.Header != "" {
		a.AltCategory = []string{"kismet:" + ev.Header}
	}
	a.Analyzer.Model = "Kismet"
	a.Analyzer.Category = []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategoryNETWIDS}
	a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataNetwork}
	a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodMonitor}
	// V08 has no MAC attribute: the address goes to the Note, tagged with
	// the category that says what it is.
	if ev.SourceMAC != "" {
		s := idmefv2.Source{Note: "MAC " + ev.SourceMAC, Category: []idmefv2.SourceCategory{idmefv2.SourceCategoryCyberNetworkMAC}}
		if err := b.addSource(a, s); err != nil {
			return nil, err
		}
	}
	if ev.DestMAC != "" && ev.DestMAC != "00:00:00:00:00:00" {
		t := idmefv2.Target{Note: "MAC " + ev.DestMAC}
		if err := b.addTarget(a, t); err != nil {
			return nil, err
		}
	}
	return a, nil
}
