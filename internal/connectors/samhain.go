package connectors

import (
	"bytes"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// samhainLine is one parsed Samhain log line:
// "SEV : [timestamp] key=<value> key=<value> …".
type samhainLine struct {
	severity string
	time     string
	fields   map[string]string
}

// parseSamhain splits a line; the error says which part is malformed.
func parseSamhain(b *builder, line []byte) (samhainLine, error) {
	s := string(bytes.TrimSpace(line))
	var out samhainLine
	sev, rest, ok := strings.Cut(s, " : ")
	if !ok || sev == "" {
		return out, b.errf("line does not start with %q", "SEVERITY : ")
	}
	out.severity = strings.TrimSpace(sev)
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, "[") {
		return out, b.errf("missing %q timestamp after the severity", "[")
	}
	ts, rest, ok := strings.Cut(rest[1:], "]")
	if !ok {
		return out, b.errf("timestamp: missing %q", "]")
	}
	out.time = ts
	out.fields = map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		key, after, ok := strings.Cut(rest, "=<")
		if !ok || key == "" || strings.ContainsAny(key, " <>") {
			return out, b.errf("expected key=<value> at %q", Truncate(rest, 40))
		}
		val, after2, ok := strings.Cut(after, ">")
		if !ok {
			return out, b.errf("field %q: missing closing %q", key, ">")
		}
		out.fields[key] = val
		rest = after2
	}
	return out, nil
}

// samhainPriority maps the Samhain severity.
func samhainPriority(sev string) (idmefv2.Priority, bool) {
	switch sev {
	case "CRIT", "ALERT", "ERR", "ERROR":
		return idmefv2.PriorityHigh, true
	case "WARN":
		return idmefv2.PriorityMedium, true
	case "NOTICE":
		return idmefv2.PriorityLow, true
	case "INFO", "MARK", "DEBUG":
		return idmefv2.PriorityInfo, true
	}
	return "", false
}

func convertSamhain(b *builder, line []byte) (*idmefv2.Alert, error) {
	ev, err := parseSamhain(b, line)
	if err != nil {
		return nil, err
	}
	prio, ok := samhainPriority(ev.severity)
	if !ok {
		return nil, b.errf("unknown severity %q", Truncate(ev.severity, 20))
	}
	at, err := b.time("timestamp", ev.time, layoutNumericZone, layoutRFC3339, layoutLocalT)
	if err != nil {
		return nil, err
	}
	a, err := b.alert("samhain", at)
	if err != nil {
		return nil, err
	}
	msg := ev.fields["msg"]
	path := ev.fields["path"]
	a.Type = []idmefv2.Type{idmefv2.TypeCyber}
	a.Priority = prio
	a.Description = msg
	low := strings.ToLower(msg)
	if path != "" || strings.Contains(low, "policy") || strings.Contains(low, "checksum") {
		// A file changed against the baseline: data was tampered with.
		a.Category = []idmefv2.Category{idmefv2.CategorySabotageData}
	} else {
		a.Category = []idmefv2.Category{idmefv2.CategoryOtherUncategorised}
	}
	a.Analyzer.Model = "Samhain"
	a.Analyzer.Category = []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategoryENDHIDS}
	a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataFile, idmefv2.AnalyzerDataLog}
	a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodIntegrity}
	if path == "" {
		return a, nil
	}
	att := idmefv2.Attachment{Name: "file", FileName: path, Note: msg}
	if v := hash("tiger192", ev.fields["chksum_new"]); v != "" {
		att.Hash = []string{v}
	}
	if s, ok := ev.fields["size_new"]; ok {
		var n flexInt
		if err := n.UnmarshalJSON([]byte(s)); err != nil || n.v < 0 {
			return nil, b.errf("field %q: %q is not a size", "size_new", Truncate(s, 20))
		}
		size := n.v
		att.Size = &size
	}
	if _, err := a.AddAttachment(att); err != nil {
		return nil, b.errf("%w", err)
	}
	if err := b.addTarget(a, idmefv2.Target{Service: "file " + path, Attachment: []string{"file"}}); err != nil {
		return nil, err
	}
	return a, nil
}
