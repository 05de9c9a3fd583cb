package connectors

import (
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// tpotEvent is a honeypot event as T-Pot stores it in Elasticsearch.
type tpotEvent struct {
	Timestamp string  `json:"@timestamp"`
	Type      string  `json:"type"`
	SrcIP     string  `json:"src_ip"`
	SrcPort   flexInt `json:"src_port"`
	DestIP    string  `json:"dest_ip"`
	DestPort  flexInt `json:"dest_port"`
	Message   string  `json:"message"`
	EventID   string  `json:"eventid"`
	Username  string  `json:"username"`
	Protocol  string  `json:"protocol"`
}

// tpotCategory refines the original's fixed login attempt with Cowrie's
// event ids when they are present.
func tpotCategory(ev *tpotEvent) idmefv2.Category {
	switch {
	case strings.HasPrefix(ev.EventID, "cowrie.login.success"):
		return idmefv2.CategoryAccessUnauthorized
	case strings.HasPrefix(ev.EventID, "cowrie.session.file_download"):
		return idmefv2.CategoryMalwareDownloader
	case strings.HasPrefix(ev.EventID, "cowrie.command"):
		return idmefv2.CategoryAccessUnauthorized
	case ev.Type == "Dionaea" || strings.EqualFold(ev.Type, "dionaea"):
		return idmefv2.CategoryMalwareOther
	case ev.EventID == "" && strings.Contains(strings.ToLower(ev.Message), "login"),
		strings.HasPrefix(ev.EventID, "cowrie.login"):
		return idmefv2.CategoryAccessForced
	}
	return idmefv2.CategoryReconNetwork
}

func convertTPot(b *builder, line []byte) (*idmefv2.Alert, error) {
	var ev tpotEvent
	if err := b.decode(line, &ev); err != nil {
		return nil, err
	}
	for _, f := range []struct{ name, v string }{{"@timestamp", ev.Timestamp}, {"type", ev.Type}, {"src_ip", ev.SrcIP}, {"dest_ip", ev.DestIP}} {
		if f.v == "" {
			return nil, nil // the original connector skips such records
		}
	}
	at, err := b.time("@timestamp", ev.Timestamp, layoutRFC3339, layoutNumericZone)
	if err != nil {
		return nil, err
	}
	a, err := b.alert("tpot-"+strings.ToLower(ev.Type), at)
	if err != nil {
		return nil, err
	}
	a.Type = []idmefv2.Type{idmefv2.TypeCyber}
	a.Category = []idmefv2.Category{tpotCategory(&ev)}
	a.Priority = idmefv2.PriorityMedium
	a.Description = ev.Type + ": " + ev.Message
	if ev.EventID != "" {
		a.AltCategory = []string{"tpot:" + ev.EventID}
	}
	a.Analyzer.Model = "T-Pot " + ev.Type
	a.Analyzer.Category = []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategoryENDHPT}
	a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataConnection}
	a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodHoneypot}
	s := idmefv2.Source{User: ev.Username}
	if s.IP, err = b.ip("src_ip", ev.SrcIP); err != nil {
		return nil, err
	}
	if s.Port, err = b.ports("src_port", ev.SrcPort.v); err != nil {
		return nil, err
	}
	if ev.Protocol != "" {
		s.Protocol = []string{ev.Protocol}
	}
	t := idmefv2.Target{Service: strings.ToLower(ev.Type)}
	if t.IP, err = b.ip("dest_ip", ev.DestIP); err != nil {
		return nil, err
	}
	if t.Port, err = b.ports("dest_port", ev.DestPort.v); err != nil {
		return nil, err
	}
	if err := b.addSource(a, s); err != nil {
		return nil, err
	}
	if err := b.addTarget(a, t); err != nil {
		return nil, err
	}
	return a, nil
}
