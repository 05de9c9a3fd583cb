package connectors

import (
	"slices"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// wazuhEvent is the part of a Wazuh alerts.json record the converter reads.
type wazuhEvent struct {
	Timestamp string `json:"timestamp"`
	Rule      *struct {
		Level       int64    `json:"level"`
		Description string   `json:"description"`
		ID          string   `json:"id"`
		Groups      []string `json:"groups"`
		Mitre       *struct {
			ID []string `json:"id"`
		} `json:"mitre"`
	} `json:"rule"`
	Agent struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		IP   string `json:"ip"`
	} `json:"agent"`
	Data struct {
		SrcIP   string  `json:"srcip"`
		SrcPort flexInt `json:"srcport"`
		SrcUser string  `json:"srcuser"`
		DstUser string  `json:"dstuser"`
	} `json:"data"`
	Syscheck *struct {
		Path        string  `json:"path"`
		SizeAfter   flexInt `json:"size_after"`
		MD5After    string  `json:"md5_after"`
		SHA1After   string  `json:"sha1_after"`
		SHA256After string  `json:"sha256_after"`
		UnameAfter  string  `json:"uname_after"`
		Event       string  `json:"event"`
	} `json:"syscheck"`
}

// wazuhGroupCategories maps rule groups to V08 categories, first match wins.
func wazuhCategory(groups []string) (idmefv2.Category, bool) {
	table := []struct {
		group string
		cat   idmefv2.Category
	}{
		{"authentication_failed", idmefv2.CategoryAccessForced},
		{"authentication_failures", idmefv2.CategoryAccessForced},
		{"invalid_login", idmefv2.CategoryAccessForced},
		{"brute_force", idmefv2.CategoryAccessForced},
		{"authentication_success", idmefv2.CategoryAccessAuthorized},
		{"rootcheck", idmefv2.CategoryMalwareRootkit},
		{"virus", idmefv2.CategoryMalwareVirus},
		{"malware", idmefv2.CategoryMalwareOther},
		{"web_scan", idmefv2.CategoryReconNetwork},
		{"recon", idmefv2.CategoryReconNetwork},
		{"scan", idmefv2.CategoryReconNetwork},
		{"attack", idmefv2.CategoryAccessCompromise},
		{"exploit_attempt", idmefv2.CategoryAccessCompromise},
		{"sql_injection", idmefv2.CategoryAccessCompromise},
		{"sudo", idmefv2.CategoryAccessEscalation},
		{"adduser", idmefv2.CategoryAccessBackdoor},
		{"policy_violation", idmefv2.CategoryOperationalPolicyViolation},
		{"syscheck", idmefv2.CategorySabotageData},
		{"service_availability", idmefv2.CategoryAvailabilityOutage},
	}
	for _, row := range table {
		if slices.Contains(groups, row.group) {
			return row.cat, true
		}
	}
	return "", false
}

// wazuhPriority maps rule.level 0-15 as the original connector did.
func wazuhPriority(level int64) idmefv2.Priority {
	switch {
	case level >= 11:
		return idmefv2.PriorityHigh
	case level >= 7:
		return idmefv2.PriorityMedium
	case level >= 4:
		return idmefv2.PriorityLow
	case level >= 2:
		return idmefv2.PriorityInfo
	default:
		return idmefv2.PriorityUnknown
	}
}

// wazuhMinLevel is the rule level below which an event that matches no
// security group is dropped: Wazuh's own default for alert e-mails, so that
// manager notices such as "Wazuh server started" (level 3) make no alert.
const wazuhMinLevel = 7

func convertWazuh(b *builder, line []byte) (*idmefv2.Alert, error) {
	var ev wazuhEvent
	if err := b.decode(line, &ev); err != nil {
		return nil, err
	}
	if ev.Rule == nil {
		return nil, b.errf("field %q: missing", "rule")
	}
	cat, known := wazuhCategory(ev.Rule.Groups)
	if !known {
		if ev.Syscheck == nil && ev.Rule.Level < wazuhMinLevel {
			return nil, nil
		}
		cat = idmefv2.CategoryOtherUncategorised
	}
	at, err := b.time("timestamp", ev.Timestamp, layoutNumericZone, layoutRFC3339)
	if err != nil {
		return nil, err
	}
	name := ev.Agent.Name
	if name == "" {
		name = "wazuh"
	}
	a, err := b.alert(name, at)
	if err != nil {
		return nil, err
	}
	if a.Analyzer.IP, err = b.ip("agent.ip", ev.Agent.IP); err != nil {
		return nil, err
	}
	a.Type = []idmefv2.Type{idmefv2.TypeCyber}
	a.Category = []idmefv2.Category{cat}
	a.Priority = wazuhPriority(ev.Rule.Level)
	a.Description = ev.Rule.Description
	a.Analyzer.Model = "Wazuh"
	a.Analyzer.Category = []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategoryENDHIDS}
	a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodRuleBased}
	a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataLog}
	for _, g := range ev.Rule.Groups {
		a.AltCategory = append(a.AltCategory, "wazuh:"+g)
	}
	if ev.Rule.ID != "" {
		a.Ref = []string{"urn:wazuh:rule:" + ev.Rule.ID}
	}
	if ev.Rule.Mitre != nil {
		for _, id := range ev.Rule.Mitre.ID {
			a.AltCategory = append(a.AltCategory, "mitre:"+id)
		}
	}
	if err := wazuhEndpoints(b, a, &ev); err != nil {
		return nil, err
	}
	if ev.Syscheck != nil {
		if err := wazuhFIM(b, a, &ev); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// wazuhEndpoints adds the attacker (data.srcip, srcuser) and the agent as
// target.
func wazuhEndpoints(b *builder, a *idmefv2.Alert, ev *wazuhEvent) error {
	srcIP, err := b.ip("data.srcip", ev.Data.SrcIP)
	if err != nil {
		return err
	}
	srcPort, err := b.ports("data.srcport", ev.Data.SrcPort.v)
	if err != nil {
		return err
	}
	if srcIP != "" || ev.Data.SrcUser != "" {
		if err := b.addSource(a, idmefv2.Source{IP: srcIP, Port: srcPort, User: ev.Data.SrcUser}); err != nil {
			return err
		}
	}
	t := idmefv2.Target{IP: a.Analyzer.IP, Hostname: ev.Agent.Name, User: ev.Data.DstUser}
	if ev.Syscheck != nil {
		t.User = ev.Syscheck.UnameAfter
	}
	if t.IP != "" || t.Hostname != "" || t.User != "" {
		if err := b.addTarget(a, t); err != nil {
			return err
		}
	}
	return nil
}

// wazuhFIM attaches the file integrity event: path, size and hashes.
func wazuhFIM(b *builder, a *idmefv2.Alert, ev *wazuhEvent) error {
	sc := ev.Syscheck
	at := idmefv2.Attachment{Name: "syscheck", FileName: sc.Path}
	if sc.Event != "" {
		at.Note = "file " + strings.ToLower(sc.Event)
	}
	for _, h := range []struct{ fn, v string }{{"md5", sc.MD5After}, {"sha-1", sc.SHA1After}, {"sha-256", sc.SHA256After}} {
		if v := hash(h.fn, h.v); v != "" {
			at.Hash = append(at.Hash, v)
		}
	}
	if sc.SizeAfter.set {
		size := sc.SizeAfter.v
		at.Size = &size
	}
	if _, err := a.AddAttachment(at); err != nil {
		return b.errf("syscheck: %w", err)
	}
	return nil
}
