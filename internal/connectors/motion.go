package connectors

import (
	"github.com/google/uuid"

	"github.com/vigie-siem/vigie/idmefv2"
)

// motionEvent is the JSON line a Motion on_* hook writes.
type motionEvent struct {
	EventName string `json:"event_name"`
	Date      string `json:"date"`
	Host      string `json:"host"`
	CameraID  string `json:"camera_id"`
	EventID   string `json:"event_id"`
	File      string `json:"file"`
}

// motionCameraID derives a stable UUID (version 5) for a camera from its
// host and id, so that every alert about one camera names the same Target;
// the original used the bare camera id ("0"), which is not a UUID.
func motionCameraID(host, camera string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:vigie:motion:"+host+":camera:"+camera)).String()
}

// motionDescription describes each hook.
func motionDescription(name string) (string, bool) {
	switch name {
	case "event_start":
		return "Motion detected: event started", true
	case "picture_save":
		return "Motion detected: picture saved", true
	case "movie_end":
		return "Motion detected: movie saved", true
	case "event_end":
		return "Motion detected: event ended", true
	case "camera_lost":
		return "Camera connection lost", true
	}
	return "", false
}

func convertMotion(b *builder, line []byte) (*idmefv2.Alert, error) {
	var ev motionEvent
	if err := b.decode(line, &ev); err != nil {
		return nil, err
	}
	if ev.EventName == "" {
		return nil, b.errf("field %q: missing", "event_name")
	}
	desc, ok := motionDescription(ev.EventName)
	if !ok {
		return nil, nil // other hooks (movie_start, camera_found…) are not alerts
	}
	if ev.CameraID == "" {
		return nil, b.errf("field %q: missing", "camera_id")
	}
	// Motion writes local time without a zone: read as UTC.
	at, err := b.time("date", ev.Date, layoutLocal, layoutRFC3339)
	if err != nil {
		return nil, err
	}
	a, err := b.alert("motion", at)
	if err != nil {
		return nil, err
	}
	a.Type = []idmefv2.Type{idmefv2.TypePhysical}
	a.Priority = idmefv2.PriorityHigh
	a.Description = desc
	a.Analyzer.Hostname = ev.Host
	a.Analyzer.Model = "Motion"
	a.Analyzer.Category = []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategoryPHYOBJDET}
	a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataImages}
	if ev.EventID != "" {
		// The original reused one alert ID for a whole motion event; Vigie
		// gives each message its own ID and groups them by this name.
		a.AltNames = []string{"motion:" + ev.Host + ":event:" + ev.EventID}
	}
	a.Sensor = []idmefv2.Sensor{{Name: "camera " + ev.CameraID, Model: "camera sensor"}}
	target := idmefv2.Target{ID: motionCameraID(ev.Host, ev.CameraID), Service: "camera " + ev.CameraID}
	if ev.EventName == "camera_lost" {
		a.Type = []idmefv2.Type{idmefv2.TypeAvailability}
		a.Category = []idmefv2.Category{idmefv2.CategoryAvailabilityFailure}
		a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodIntegrity}
	} else {
		a.Category = []idmefv2.Category{idmefv2.CategoryAccessUnauthorized}
		a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodMovement}
		if ev.EventName == "event_end" {
			a.EndTime = idmefv2.FormatTime(at)
		} else {
			a.StartTime = idmefv2.FormatTime(at)
		}
	}
	if ev.File != "" {
		name := "snapshot"
		if ev.EventName == "movie_end" {
			name = "movie"
		}
		if _, err := a.AddAttachment(idmefv2.Attachment{Name: name, FileName: ev.File}); err != nil {
			return nil, b.errf("%w", err)
		}
		target.Attachment = []string{name}
	}
	if err := b.addTarget(a, target); err != nil {
		return nil, err
	}
	return a, nil
}
