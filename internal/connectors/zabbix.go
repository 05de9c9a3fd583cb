package connectors

import (
	"strings"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// zabbixEndpoint is a host the webhook adds to a problem.
type zabbixEndpoint struct {
	Hostname string  `json:"hostname"`
	IP       string  `json:"ip"`
	Port     flexInt `json:"port"`
}

// zabbixProblem is a Zabbix problem object (API problem.get or webhook).
type zabbixProblem struct {
	EventID  string  `json:"eventid"`
	Clock    flexInt `json:"clock"`
	Severity flexInt `json:"severity"`
	Name     string  `json:"name"`
	Hosts    []struct {
		Host string `json:"host"`
		Name string `json:"name"`
	} `json:"hosts"`
	Extra       *zabbixEndpoint `json:"extra"`
	ExtraTarget *zabbixEndpoint `json:"extra_target"`
}

// zabbixPriority maps severity 0-5; 5 (Disaster) is High, V08 having no
// "Critical".
func zabbixPriority(sev int64) idmefv2.Priority {
	switch sev {
	case 1:
		return idmefv2.PriorityInfo
	case 2:
		return idmefv2.PriorityLow
	case 3:
		return idmefv2.PriorityMedium
	case 4, 5:
		return idmefv2.PriorityHigh
	}
	return idmefv2.PriorityUnknown
}

// zabbixCategory maps the problem name.
func zabbixCategory(name string) idmefv2.Category {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "down"), strings.Contains(n, "unreachable"), strings.Contains(n, "unavailable"):
		return idmefv2.CategoryAvailabilityOutage
	case strings.Contains(n, "cpu"), strings.Contains(n, "load"), strings.Contains(n, "memory"),
		strings.Contains(n, "disk"):
		return idmefv2.CategoryAvailabilityOverload
	}
	return idmefv2.CategoryAvailabilityFailure
}

func convertZabbix(b *builder, line []byte) (*idmefv2.Alert, error) {
	var ev zabbixProblem
	if err := b.decode(line, &ev); err != nil {
		return nil, err
	}
	if !ev.Clock.set {
		return nil, b.errf("field %q: missing", "clock")
	}
	if !ev.Severity.set {
		return nil, b.errf("field %q: missing", "severity")
	}
	if ev.Severity.v < 0 || ev.Severity.v > 5 {
		return nil, b.errf("field %q: %d is outside 0-5", "severity", ev.Severity.v)
	}
	if ev.Clock.v < 0 || ev.Clock.v > 253402300799 {
		return nil, b.errf("field %q: %d is not a Unix time", "clock", ev.Clock.v)
	}
	a, err := b.alert("zabbix", time.Unix(ev.Clock.v, 0).UTC())
	if err != nil {
		return nil, err
	}
	a.Type = []idmefv2.Type{idmefv2.TypeAvailability}
	a.Category = []idmefv2.Category{zabbixCategory(ev.Name)}
	a.Priority = zabbixPriority(ev.Severity.v)
	a.Description = ev.Name
	if ev.EventID != "" {
		a.AltNames = []string{"zabbix:event:" + ev.EventID}
	}
	a.Analyzer.Model = "Zabbix"
	a.Analyzer.Category = []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategorySIEMNMS}
	a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataData}
	a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodMonitor, idmefv2.AnalyzerMethodThreshold}
	// The problem host is what is affected: the target. The original put it
	// in Source; Vigie keeps extra as Source (the monitored endpoint that
	// reported) and extra_target (the Zabbix server) as Target only when
	// given, and always names the problem host.
	host := ""
	if len(ev.Hosts) > 0 {
		host = ev.Hosts[0].Name
		if host == "" {
			host = ev.Hosts[0].Host
		}
	}
	if ev.Extra != nil || host != "" {
		s := idmefv2.Source{Hostname: host}
		if ev.Extra != nil {
			if s.IP, err = b.ip("extra.ip", ev.Extra.IP); err != nil {
				return nil, err
			}
			if s.Port, err = b.ports("extra.port", ev.Extra.Port.v); err != nil {
				return nil, err
			}
		}
		if err := b.addSource(a, s); err != nil {
			return nil, err
		}
	}
	if et := ev.ExtraTarget; et != nil {
		t := idmefv2.Target{Hostname: et.Hostname}
		if t.IP, err = b.ip("extra_target.ip", et.IP); err != nil {
			return nil, err
		}
		if t.Port, err = b.ports("extra_target.port", et.Port.v); err != nil {
			return nil, err
		}
		if err := b.addTarget(a, t); err != nil {
			return nil, err
		}
	}
	return a, nil
}
