package alertgen

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// allScenarios lists every scenario with its relative weight. Attack
// scenarios that real systems see in floods (brute force, scans) weigh most.
func allScenarios() []scenario {
	return []scenario{
		{name: "ssh-brute-force", kind: KindCyber, weight: 30, burst: [2]int{5, 25}, fill: sshFailedLogin},
		{name: "ssh-login-after-failures", kind: KindCyber, weight: 3, fill: sshAcceptedLogin},
		{name: "port-scan", kind: KindCyber, weight: 15, burst: [2]int{3, 12}, fill: portScan},
		{name: "web-attack", kind: KindCyber, weight: 12, burst: [2]int{1, 8}, fill: webAttack},
		{name: "malware", kind: KindCyber, weight: 6, fill: malware},
		{name: "phishing", kind: KindCyber, weight: 5, fill: phishing},
		{name: "sudo-escalation", kind: KindCyber, weight: 4, fill: sudoEscalation},
		{name: "data-exfiltration", kind: KindCyber, weight: 2, fill: exfiltration},
		{name: "ddos", kind: KindAvailability, weight: 3, burst: [2]int{2, 6}, fill: ddos},
		{name: "service-outage", kind: KindAvailability, weight: 5, fill: outage},
		{name: "overload", kind: KindAvailability, weight: 3, fill: overload},
		{name: "physical-intrusion", kind: KindPhysical, weight: 4, fill: physicalIntrusion},
		{name: "fire", kind: KindPhysical, weight: 1, fill: fire},
	}
}

func (g *Generator) source(ip string, extra func(*idmefv2.Source)) idmefv2.Source {
	s := idmefv2.Source{ID: g.uuid(), IP: ip}
	if extra != nil {
		extra(&s)
	}
	return s
}

func (g *Generator) target(h host, extra func(*idmefv2.Target)) idmefv2.Target {
	t := idmefv2.Target{ID: g.uuid(), IP: h.ip, Hostname: h.name}
	if extra != nil {
		extra(&t)
	}
	return t
}

func serviceOn(h host, name string) (service, bool) {
	for _, s := range h.services {
		if s.name == name {
			return s, true
		}
	}
	return service{}, false
}

func logAnalyzer(name, host string) idmefv2.Analyzer {
	return idmefv2.Analyzer{
		Name:     name,
		Hostname: host,
		Model:    "Vigie log parser",
		Category: []idmefv2.AnalyzerCategory{"SIEM.LOG"},
		Data:     []idmefv2.AnalyzerData{"Log", "Authentication"},
		Method:   []idmefv2.AnalyzerMethod{"Signature"},
	}
}

func sshFailedLogin(g *Generator, a *idmefv2.Alert, b *burst) {
	ssh, ok := serviceOn(b.target, "sshd")
	if !ok {
		b.target = internalHosts[0]
		ssh, _ = serviceOn(b.target, "sshd")
	}
	user := pick(g, guessedUsers)
	srcPort := g.port()
	a.Type = []idmefv2.Type{"Cyber"}
	a.Category = []idmefv2.Category{"Access.Forced"}
	a.Cause = "Malicious"
	a.Priority = "Low"
	a.Description = fmt.Sprintf("Failed password for invalid user %s from %s port %d ssh2", user, b.attacker, srcPort)
	a.Analyzer = logAnalyzer("sshd", b.target.name)
	a.Source = []idmefv2.Source{g.source(b.attacker, func(s *idmefv2.Source) {
		s.Port = []int{srcPort}
		s.Protocol = []string{"TCP", "SSH"}
		s.Category = []idmefv2.SourceCategory{ipCategory(b.attacker)}
	})}
	a.Target = []idmefv2.Target{g.target(b.target, func(t *idmefv2.Target) {
		t.Service = ssh.name
		t.Port = []int{ssh.port}
		t.User = user
		t.Category = []idmefv2.TargetCategory{"IT.Endpoints"}
	})}
}

func sshAcceptedLogin(g *Generator, a *idmefv2.Alert, b *burst) {
	sshFailedLogin(g, a, b)
	a.Category = []idmefv2.Category{"Access.Compromise"}
	a.Priority = "High"
	a.Target[0].User = b.user
	a.Description = fmt.Sprintf("Accepted password for %s from %s port %d ssh2", b.user, b.attacker, a.Source[0].Port[0])
}

func portScan(g *Generator, a *idmefv2.Alert, b *burst) {
	ports := make([]int, 1+g.rnd.IntN(6))
	for i := range ports {
		ports[i] = []int{21, 22, 23, 25, 80, 110, 139, 443, 445, 1433, 3306, 3389, 5432, 5900, 6379, 8080}[g.rnd.IntN(16)]
	}
	a.Type = []idmefv2.Type{"Cyber"}
	a.Category = []idmefv2.Category{"Recon.Network"}
	a.Cause = "Malicious"
	a.Priority = "Medium"
	a.Confidence = ptr(0.8)
	a.Description = "ET SCAN Possible Nmap SYN scan"
	a.AltCategory = []string{"Attempted Information Leak"}
	a.Ref = []string{"urn:suricata:sid:2009582"}
	a.Analyzer = idmefv2.Analyzer{
		Name: "suricata", Hostname: "nids-01.corp.example", IP: "10.0.0.250", Model: "Suricata 7.0",
		Category: []idmefv2.AnalyzerCategory{"NET.NIDS"},
		Data:     []idmefv2.AnalyzerData{"Network", "Flow"},
		Method:   []idmefv2.AnalyzerMethod{"Signature"},
	}
	a.Source = []idmefv2.Source{g.source(b.attacker, func(s *idmefv2.Source) {
		s.Protocol = []string{"TCP"}
		s.Category = []idmefv2.SourceCategory{ipCategory(b.attacker)}
	})}
	a.Target = []idmefv2.Target{g.target(b.target, func(t *idmefv2.Target) { t.Port = ports })}
}

func webAttack(g *Generator, a *idmefv2.Alert, b *burst) {
	w := pick(g, webAttacks)
	web := pick(g, internalHosts[:2])
	svc := web.services[0]
	a.Type = []idmefv2.Type{"Cyber"}
	a.Category = []idmefv2.Category{"Access.Unauthorized"}
	a.Cause = "Malicious"
	a.Priority = []idmefv2.Priority{"Medium", "High"}[g.rnd.IntN(2)]
	a.Description = w.name
	a.Analyzer = idmefv2.Analyzer{
		Name: "modsecurity", Hostname: web.name, Model: "ModSecurity 3 with OWASP CRS 4",
		Category: []idmefv2.AnalyzerCategory{"NET.WAF"},
		Data:     []idmefv2.AnalyzerData{"Content", "Protocol"},
		Method:   []idmefv2.AnalyzerMethod{"Rule-based"},
	}
	a.Source = []idmefv2.Source{g.source(b.attacker, func(s *idmefv2.Source) {
		s.Port = []int{g.port()}
		s.Protocol = []string{"TCP", "HTTP"}
		s.Category = []idmefv2.SourceCategory{idmefv2.SourceCategory(w.sourceCategory)}
	})}
	a.Target = []idmefv2.Target{g.target(web, func(t *idmefv2.Target) {
		t.Service = svc.name
		t.Port = []int{svc.port}
		t.Category = []idmefv2.TargetCategory{"Software.Applications"}
	})}
	a.Attachment = []idmefv2.Attachment{{
		Name: "request", ContentType: "application/json", ContentEncoding: "json",
		Content: mustJSON(map[string]any{"method": "GET", "uri": w.path, "user_agent": "sqlmap/1.8", "status": 403}),
	}}
	a.Source[0].Attachment = []string{"request"}
}

func malware(g *Generator, a *idmefv2.Alert, b *burst) {
	m := pick(g, malwareNames)
	ws := pick(g, workstations)
	hash := fmt.Sprintf("sha256:%016x%016x%016x%016x", g.rnd.Uint64(), g.rnd.Uint64(), g.rnd.Uint64(), g.rnd.Uint64())
	size := int64(10_000 + g.rnd.IntN(5_000_000))
	a.Type = []idmefv2.Type{"Cyber"}
	a.Category = []idmefv2.Category{idmefv2.Category(m.category)}
	a.Cause = "Malicious"
	a.Priority = "High"
	a.Description = "Malware detected: " + m.name
	a.Analyzer = idmefv2.Analyzer{
		Name: "clamav", Hostname: ws, Model: "ClamAV 1.4",
		Category: []idmefv2.AnalyzerCategory{"END.AV"},
		Data:     []idmefv2.AnalyzerData{"File"},
		Method:   []idmefv2.AnalyzerMethod{"Signature"},
	}
	a.Target = []idmefv2.Target{{ID: g.uuid(), Hostname: ws, User: b.user, Category: []idmefv2.TargetCategory{"IT.Endpoints"}, Attachment: []string{"file"}}}
	a.Attachment = []idmefv2.Attachment{{Name: "file", FileName: m.file, Hash: []string{hash}, Size: &size}}
}

func phishing(g *Generator, a *idmefv2.Alert, b *burst) {
	sender := pick(g, []string{"billing@paypa1-secure.example", "it-support@micros0ft-login.example", "ceo.office@corp-example.example"})
	a.Type = []idmefv2.Type{"Cyber"}
	a.Category = []idmefv2.Category{"SocialEng.Phishing"}
	a.Cause = "Malicious"
	a.Priority = "Medium"
	a.Description = "Credential phishing e-mail quarantined"
	a.Analyzer = idmefv2.Analyzer{
		Name: "rspamd", Hostname: "mail.corp.example", Model: "Rspamd 3.9",
		Category: []idmefv2.AnalyzerCategory{"EMAIL.ANTI-PHISH"},
		Data:     []idmefv2.AnalyzerData{"Content"},
		Method:   []idmefv2.AnalyzerMethod{"Reputation", "Heuristic"},
	}
	a.Source = []idmefv2.Source{g.source(b.attacker, func(s *idmefv2.Source) {
		s.Email = sender
		s.Category = []idmefv2.SourceCategory{"Cyber.Email.SenderEmail"}
	})}
	a.Target = []idmefv2.Target{{ID: g.uuid(), Email: b.user + "@corp.example", User: b.user, Category: []idmefv2.TargetCategory{"Human.Organization"}}}
}

func sudoEscalation(g *Generator, a *idmefv2.Alert, b *burst) {
	h := pick(g, internalHosts)
	a.Type = []idmefv2.Type{"Cyber"}
	a.Category = []idmefv2.Category{"Access.Escalation"}
	a.Cause = "Unknown"
	a.Priority = "Medium"
	a.Description = fmt.Sprintf("sudo: %s : 3 incorrect password attempts ; TTY=pts/0 ; USER=root ; COMMAND=/bin/bash", b.user)
	a.Analyzer = logAnalyzer("sudo", h.name)
	a.Source = []idmefv2.Source{{ID: g.uuid(), User: b.user, Hostname: h.name, IP: h.ip}}
	a.Target = []idmefv2.Target{g.target(h, func(t *idmefv2.Target) { t.User = "root"; t.Service = "sudo" })}
}

func exfiltration(g *Generator, a *idmefv2.Alert, b *burst) {
	ws := pick(g, workstations)
	mb := 200 + g.rnd.IntN(4000)
	a.Type = []idmefv2.Type{"Cyber"}
	a.Category = []idmefv2.Category{"Theft.Data"}
	a.Cause = "Malicious"
	a.Priority = "High"
	a.Description = fmt.Sprintf("Unusual outbound transfer: %d MB to %s over HTTPS", mb, b.attacker)
	a.Analyzer = idmefv2.Analyzer{
		Name: "zeek-dlp", Hostname: "ndr-01.corp.example", Model: "Zeek 7",
		Category: []idmefv2.AnalyzerCategory{"NET.NDR"},
		Data:     []idmefv2.AnalyzerData{"Flow"},
		Method:   []idmefv2.AnalyzerMethod{"Anomaly", "Statistical"},
	}
	a.Source = []idmefv2.Source{{ID: g.uuid(), Hostname: ws, User: b.user}}
	a.Target = []idmefv2.Target{{ID: g.uuid(), IP: b.attacker, Port: []int{443}}}
}

func ddos(g *Generator, a *idmefv2.Alert, b *burst) {
	web := internalHosts[0]
	a.Type = []idmefv2.Type{"Cyber", "Availability"}
	a.Category = []idmefv2.Category{"Availability.DDoS"}
	a.Cause = "Malicious"
	a.Priority = "High"
	a.Description = fmt.Sprintf("SYN flood: %d kpps towards %s:443", 50+g.rnd.IntN(900), web.ip)
	a.Analyzer = idmefv2.Analyzer{
		Name: "fastnetmon", Hostname: "edge-01.corp.example", Model: "FastNetMon 1.2",
		Category: []idmefv2.AnalyzerCategory{"DDoS.ANTI-DDOS"},
		Data:     []idmefv2.AnalyzerData{"Flow"},
		Method:   []idmefv2.AnalyzerMethod{"Threshold"},
	}
	srcs := make([]idmefv2.Source, 2+g.rnd.IntN(3))
	for i := range srcs {
		srcs[i] = g.source(g.attacker(), func(s *idmefv2.Source) { s.Protocol = []string{"TCP"} })
	}
	a.Source = srcs
	a.Target = []idmefv2.Target{g.target(web, func(t *idmefv2.Target) { t.Port = []int{443}; t.Service = "nginx" })}
}

func outage(g *Generator, a *idmefv2.Alert, b *burst) {
	h := pick(g, internalHosts)
	svc := pick(g, h.services)
	a.Type = []idmefv2.Type{"Availability"}
	a.Category = []idmefv2.Category{"Availability.Outage"}
	a.Cause = pick(g, []idmefv2.Cause{"Malfunction", "Error", "Unknown"})
	a.Priority = "High"
	a.Description = fmt.Sprintf("%s on %s is unreachable for 5 minutes", svc.name, h.name)
	a.Analyzer = idmefv2.Analyzer{
		Name: "zabbix", Hostname: "monitor.corp.example", Model: "Zabbix 7.0",
		Category: []idmefv2.AnalyzerCategory{"SIEM.NMS"},
		Data:     []idmefv2.AnalyzerData{"Host", "Port"},
		Method:   []idmefv2.AnalyzerMethod{"Monitor"},
	}
	a.Target = []idmefv2.Target{g.target(h, func(t *idmefv2.Target) { t.Service = svc.name; t.Port = []int{svc.port} })}
}

func overload(g *Generator, a *idmefv2.Alert, b *burst) {
	h := pick(g, internalHosts)
	a.Type = []idmefv2.Type{"Availability"}
	a.Category = []idmefv2.Category{"Availability.Overload"}
	a.Cause = "Normal"
	a.Priority = "Medium"
	a.Description = fmt.Sprintf("CPU load above 95%% for 10 minutes on %s", h.name)
	a.Analyzer = idmefv2.Analyzer{
		Name: "prometheus", Hostname: "monitor.corp.example", Model: "Prometheus Alertmanager 0.28",
		Category: []idmefv2.AnalyzerCategory{"SIEM.NMS"},
		Data:     []idmefv2.AnalyzerData{"Host"},
		Method:   []idmefv2.AnalyzerMethod{"Threshold"},
	}
	a.Target = []idmefv2.Target{g.target(h, nil)}
}

// snapshot is a tiny valid PNG (1×1 pixel), standing in for a camera frame.
const snapshot = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

func physicalIntrusion(g *Generator, a *idmefv2.Alert, b *burst) {
	cam := pick(g, cameras)
	a.Type = []idmefv2.Type{"Physical"}
	a.Category = []idmefv2.Category{pick(g, []idmefv2.Category{"Access.Unauthorized", "Access.Tailgating"})}
	a.Cause = "Malicious"
	a.Priority = "High"
	a.Description = "Person detected in a restricted area outside business hours"
	a.Analyzer = idmefv2.Analyzer{
		Name: cam.name, Model: "Motion 4.6", GeoLocation: cam.geo, Location: cam.location,
		Category: []idmefv2.AnalyzerCategory{"PHY.FR-CAM", "PHY.MOT-SEN"},
		Data:     []idmefv2.AnalyzerData{"Images"},
		Method:   []idmefv2.AnalyzerMethod{"Movement"},
	}
	a.Source = []idmefv2.Source{{ID: g.uuid(), Category: []idmefv2.SourceCategory{"ElectroMag.Light.MotionOptical"}, Attachment: []string{"snapshot"}}}
	a.Target = []idmefv2.Target{{ID: g.uuid(), Location: cam.location, GeoLocation: cam.geo, Category: []idmefv2.TargetCategory{"RealEstate.Buildings"}}}
	a.Attachment = []idmefv2.Attachment{{
		Name: "snapshot", FileName: cam.name + ".png", ContentType: "image/png", ContentEncoding: "base64",
		Content: mustJSON(snapshot),
	}}
}

func fire(g *Generator, a *idmefv2.Alert, b *burst) {
	cam := pick(g, cameras)
	a.Type = []idmefv2.Type{"Physical"}
	a.Category = []idmefv2.Category{"Safety.Fire"}
	a.Cause = "Hazard"
	a.Priority = "High"
	a.Description = fmt.Sprintf("Thermal camera reports %d °C hot spot", 80+g.rnd.IntN(300))
	a.Analyzer = idmefv2.Analyzer{
		Name: strings.Replace(cam.name, "cam", "ir", 1), GeoLocation: cam.geo, Location: cam.location,
		Category: []idmefv2.AnalyzerCategory{"PHY.LWIR"},
		Data:     []idmefv2.AnalyzerData{"Thermal"},
		Method:   []idmefv2.AnalyzerMethod{"Threshold"},
	}
	a.Target = []idmefv2.Target{{ID: g.uuid(), Location: cam.location, GeoLocation: cam.geo, Category: []idmefv2.TargetCategory{"RealEstate.Buildings"}}}
}

func ipCategory(ip string) idmefv2.SourceCategory {
	if strings.Contains(ip, ":") {
		return "Cyber.Network.IPv6"
	}
	return "Cyber.Network.IPv4"
}

func ptr[T any](v T) *T { return &v }

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with literals that always encode
	}
	return b
}
