package connectors

import (
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// modsecEvent is the part of a ModSecurity v3 JSON audit record the
// converter reads.
type modsecEvent struct {
	Transaction *struct {
		TimeStamp  string  `json:"time_stamp"`
		ClientIP   string  `json:"client_ip"`
		ClientPort flexInt `json:"client_port"`
		HostIP     string  `json:"host_ip"`
		HostPort   flexInt `json:"host_port"`
		Request    struct {
			Method  string            `json:"method"`
			URI     string            `json:"uri"`
			Headers map[string]string `json:"headers"`
		} `json:"request"`
		Messages []struct {
			Message string `json:"message"`
			Details struct {
				RuleID   string   `json:"ruleId"`
				Severity flexInt  `json:"severity"`
				Tags     []string `json:"tags"`
			} `json:"details"`
		} `json:"messages"`
	} `json:"transaction"`
}

// modsecCategory maps CRS tags (attack-sqli, attack-xss…) to a V08 category.
func modsecCategory(tags []string) idmefv2.Category {
	for _, t := range tags {
		t = strings.ToLower(t)
		switch {
		case strings.Contains(t, "sqli"), strings.Contains(t, "xss"), strings.Contains(t, "rce"),
			strings.Contains(t, "lfi"), strings.Contains(t, "rfi"), strings.Contains(t, "injection"),
			strings.Contains(t, "fixation"):
			return idmefv2.CategoryAccessCompromise
		case strings.Contains(t, "scanner"), strings.Contains(t, "reputation-scanner"):
			return idmefv2.CategoryReconNetwork
		case strings.Contains(t, "dos"):
			return idmefv2.CategoryAvailabilityDoS
		case strings.Contains(t, "protocol"), strings.Contains(t, "disclosure"):
			return idmefv2.CategoryReconNetwork
		}
	}
	return idmefv2.CategoryOtherUncategorised
}

// modsecPriority maps the syslog-style severity (0 emergency … 7 debug).
func modsecPriority(sev int64) idmefv2.Priority {
	switch {
	case sev <= 3:
		return idmefv2.PriorityHigh
	case sev == 4:
		return idmefv2.PriorityMedium
	case sev == 5:
		return idmefv2.PriorityLow
	default:
		return idmefv2.PriorityInfo
	}
}

func convertModSecurity(b *builder, line []byte) (*idmefv2.Alert, error) {
	var ev modsecEvent
	if err := b.decode(line, &ev); err != nil {
		return nil, err
	}
	tx := ev.Transaction
	if tx == nil {
		return nil, b.errf("field %q: missing", "transaction")
	}
	if len(tx.Messages) == 0 {
		return nil, nil // a transaction no rule matched
	}
	at, err := b.time("transaction.time_stamp", tx.TimeStamp, "Mon Jan _2 15:04:05 2006", layoutRFC3339)
	if err != nil {
		return nil, err
	}
	a, err := b.alert("modsecurity", at)
	if err != nil {
		return nil, err
	}
	first := tx.Messages[0]
	var tags, msgs []string
	sev := int64(7)
	for _, m := range tx.Messages {
		tags = append(tags, m.Details.Tags...)
		msgs = append(msgs, m.Message)
		if m.Details.Severity.set && m.Details.Severity.v < sev {
			sev = m.Details.Severity.v
		}
		if m.Details.RuleID != "" {
			a.Ref = append(a.Ref, "urn:modsecurity:rule:"+m.Details.RuleID)
		}
	}
	a.Type = []idmefv2.Type{idmefv2.TypeCyber}
	a.Category = []idmefv2.Category{modsecCategory(tags)}
	a.Priority = modsecPriority(sev)
	a.Description = first.Message
	if len(msgs) > 1 {
		a.Note = strings.Join(msgs, "; ")
	}
	a.AltCategory = prefixed("modsecurity:", tags)
	a.Analyzer.Model = "ModSecurity"
	a.Analyzer.Category = []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategoryNETWAF}
	a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataContent}
	a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodSignature}
	srcIP, err := b.ip("transaction.client_ip", tx.ClientIP)
	if err != nil {
		return nil, err
	}
	srcPort, err := b.ports("transaction.client_port", tx.ClientPort.v)
	if err != nil {
		return nil, err
	}
	dstIP, err := b.ip("transaction.host_ip", tx.HostIP)
	if err != nil {
		return nil, err
	}
	dstPort, err := b.ports("transaction.host_port", tx.HostPort.v)
	if err != nil {
		return nil, err
	}
	if srcIP != "" {
		if err := b.addSource(a, idmefv2.Source{IP: srcIP, Port: srcPort, Protocol: []string{"HTTP"}}); err != nil {
			return nil, err
		}
	}
	t := idmefv2.Target{IP: dstIP, Port: dstPort, Service: "http"}
	if tx.Request.URI != "" {
		// The original put the URI in Target.URL, which V08 does not have:
		// it goes to an attachment the target points at.
		req := idmefv2.Attachment{Name: "request", Note: strings.TrimSpace(tx.Request.Method + " " + tx.Request.URI)}
		req.SetContentString(tx.Request.URI)
		req.ContentType = "text/uri-list"
		if _, err := a.AddAttachment(req); err != nil {
			return nil, b.errf("%w", err)
		}
		t.Attachment = []string{"request"}
	}
	if err := b.addTarget(a, t); err != nil {
		return nil, err
	}
	return a, nil
}
