package connectors

import (
	"net"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// promAlert is one alert of Prometheus /api/v1/alerts (or an Alertmanager
// webhook alert: status instead of state, startsAt instead of activeAt).
type promAlert struct {
	State       string            `json:"state"`
	Status      string            `json:"status"`
	ActiveAt    string            `json:"activeAt"`
	StartsAt    string            `json:"startsAt"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// promCategory maps the alert name as the original connector did.
func promCategory(name string) idmefv2.Category {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "down"), strings.Contains(n, "unreachable"):
		return idmefv2.CategoryAvailabilityOutage
	case strings.Contains(n, "cpu"), strings.Contains(n, "memory"), strings.Contains(n, "disk"),
		strings.Contains(n, "latency"), strings.Contains(n, "load"):
		return idmefv2.CategoryAvailabilityOverload
	}
	return idmefv2.CategoryOtherUncategorised
}

// promPriority maps labels.severity.
func promPriority(sev string) idmefv2.Priority {
	switch strings.ToLower(sev) {
	case "critical", "high", "page", "error":
		return idmefv2.PriorityHigh
	case "warning", "medium":
		return idmefv2.PriorityMedium
	case "low", "minor":
		return idmefv2.PriorityLow
	case "info", "informational", "none":
		return idmefv2.PriorityInfo
	}
	return idmefv2.PriorityUnknown
}

func convertPrometheus(b *builder, line []byte) (*idmefv2.Alert, error) {
	var ev promAlert
	if err := b.decode(line, &ev); err != nil {
		return nil, err
	}
	state := ev.State
	if state == "" {
		state = ev.Status
	}
	if state != "firing" {
		return nil, nil // pending and resolved alerts are not incidents
	}
	when, field := ev.ActiveAt, "activeAt"
	if when == "" {
		when, field = ev.StartsAt, "startsAt"
	}
	at, err := b.time(field, when, layoutRFC3339)
	if err != nil {
		return nil, err
	}
	a, err := b.alert("prometheus", at)
	if err != nil {
		return nil, err
	}
	name := ev.Labels["alertname"]
	a.Type = []idmefv2.Type{idmefv2.TypeAvailability}
	a.Category = []idmefv2.Category{promCategory(name)}
	a.Priority = promPriority(ev.Labels["severity"])
	a.Description = name
	if s := ev.Annotations["summary"]; s != "" {
		a.Note = s
	}
	a.Analyzer.Model = "Prometheus"
	a.Analyzer.Category = []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategorySIEMNMS}
	a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataData}
	a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodMonitor, idmefv2.AnalyzerMethodThreshold}
	if inst := ev.Labels["instance"]; inst != "" {
		// The instance is the affected host: a target, with its port.
		t, err := promTarget(b, inst)
		if err != nil {
			return nil, err
		}
		if err := b.addTarget(a, t); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// promTarget splits an instance label "host:port" into a target.
func promTarget(b *builder, inst string) (idmefv2.Target, error) {
	host, port := inst, ""
	if h, p, err := net.SplitHostPort(inst); err == nil {
		host, port = h, p
	}
	var t idmefv2.Target
	if ip, err := b.ip("labels.instance", host); err == nil {
		t.IP = ip
	} else {
		t.Hostname = host
	}
	if port != "" {
		var p flexInt
		if err := p.UnmarshalJSON([]byte(port)); err != nil {
			return t, b.errf("field %q: port %q is not a number", "labels.instance", port)
		}
		ports, err := b.ports("labels.instance", p.v)
		if err != nil {
			return t, err
		}
		t.Port = ports
	}
	return t, nil
}
