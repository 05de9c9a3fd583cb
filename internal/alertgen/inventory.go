package alertgen

import (
	"bytes"
	"fmt"
)

// assetInfo is what the demo inventory says about an internal host.
var assetInfo = map[string]struct {
	owner, criticality, location string
	lat, lon                     float64
	tags                         string
}{
	"web-01.corp.example": {"web team", "high", "DC Paris rack 2", 48.8566, 2.3522, "web;dmz"},
	"web-02.corp.example": {"web team", "medium", "DC Paris rack 2", 48.8566, 2.3522, "web;dmz"},
	"db-01.corp.example":  {"db team", "critical", "DC Paris rack 4", 48.8566, 2.3522, "db;pci"},
	"mail.corp.example":   {"messaging team", "high", "DC Lyon", 45.7640, 4.8357, "mail"},
	"dc-01.corp.example":  {"identity team", "critical", "DC Lyon", 45.7640, 4.8357, "ad;tier0"},
	"vpn.corp.example":    {"network team", "high", "DC Paris rack 1", 48.8566, 2.3522, "vpn;edge"},
	"files.corp.example":  {"infra team", "medium", "DC Lyon", 45.7640, 4.8357, "files"},
	"ci.corp.example":     {"dev team", "medium", "Office Nantes", 47.2184, -1.5536, "ci"},
}

// DemoAssetsCSV is an asset inventory (the CSV format of
// docs/ENRICHMENT.md) of the internal hosts the generators target: the
// corporate network as a whole, then each host with its owner,
// criticality, location and coordinates.
func DemoAssetsCSV() []byte {
	var b bytes.Buffer
	b.WriteString("ip,hostname,owner,criticality,location,latitude,longitude,tags\n")
	b.WriteString("10.0.0.0/16,,infra team,medium,Corporate network,48.8566,2.3522,corp\n")
	for _, h := range internalHosts {
		a := assetInfo[h.name]
		for _, ip := range []string{h.ip, h.ip6} {
			fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%.4f,%.4f,%s\n", ip, h.name, a.owner, a.criticality, a.location, a.lat, a.lon, a.tags)
		}
	}
	return b.Bytes()
}

// DemoIOCList is a threat-intelligence list (CSV with a header, see
// docs/ENRICHMENT.md) that names ListedAttacker.
func DemoIOCList() []byte {
	return []byte("type,value,description,ref\n" +
		"ip," + ListedAttacker + ",Vigie demo: SSH brute-force source,https://example.org/vigie-demo\n")
}
