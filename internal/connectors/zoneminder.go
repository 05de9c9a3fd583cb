package connectors

import (
	"github.com/vigie-siem/vigie/idmefv2"
)

// zoneminderEvent is a line written by zm2json.sh from a ZoneMinder filter.
type zoneminderEvent struct {
	ET  string `json:"ET"`  // event start time, local, no zone
	ED  string `json:"ED"`  // event description (cause)
	MN  string `json:"MN"`  // monitor name
	EDP string `json:"EDP"` // event directory path
}

func convertZoneMinder(b *builder, line []byte) (*idmefv2.Alert, error) {
	var ev zoneminderEvent
	if err := b.decode(line, &ev); err != nil {
		return nil, err
	}
	if ev.ET == "" {
		return nil, b.errf("field %q: missing", "ET")
	}
	// ZoneMinder writes local time without a zone; Vigie reads it as UTC so
	// that every timestamp carries a zone (run ZoneMinder in UTC).
	at, err := b.time("ET", ev.ET, layoutLocal, layoutRFC3339)
	if err != nil {
		return nil, err
	}
	a, err := b.alert("zoneminder", at)
	if err != nil {
		return nil, err
	}
	a.Type = []idmefv2.Type{idmefv2.TypePhysical}
	a.Category = []idmefv2.Category{idmefv2.CategoryAccessUnauthorized}
	a.Priority = idmefv2.PriorityHigh
	a.Description = ev.ED
	a.StartTime = idmefv2.FormatTime(at)
	a.Analyzer.Model = "ZoneMinder"
	a.Analyzer.Category = []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategoryPHYOBJDET}
	a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataImages}
	a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodMovement}
	if ev.MN != "" {
		a.Sensor = []idmefv2.Sensor{{Name: ev.MN, Model: "ZoneMinder monitor"}}
	}
	if ev.EDP != "" {
		at := idmefv2.Attachment{Name: "event", FileName: ev.EDP, Note: "event directory"}
		if _, err := a.AddAttachment(at); err != nil {
			return nil, b.errf("%w", err)
		}
	}
	return a, nil
}
