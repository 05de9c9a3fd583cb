package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnrichTestPrintsWhatEachEnricherAdds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("assets.csv", "ip,hostname,owner,criticality,location\n10.0.2.20,db-01.corp.example,db team,critical,DC Paris rack 4\n")
	list := write("iocs.csv", "45.33.32.156,known scanner\n")
	cfg := write("vigie.yaml", `version: 1
data_dir: `+dir+`
enrich:
  assets:
    files: [assets.csv]
    raise_priority: ["critical=High"]
  geoip:
    enabled: false
  cti:
    lists: ["blocklist=`+list+`"]
`)
	alert := write("alert.json", `{"Version":"2.D.V08","ID":"c0ffee00-0000-4000-8000-000000000001","CreateTime":"2026-11-23T10:00:00Z",
"Priority":"Low","Analyzer":{"Name":"test"},
"Source":[{"ID":"c0ffee00-0000-4000-8000-000000000002","IP":"45.33.32.156"}],
"Target":[{"ID":"c0ffee00-0000-4000-8000-000000000003","IP":"10.0.2.20"}]}`)
	out, errOut, code := run(t, "", "enrich", "test", "--config", cfg, alert)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"== assets",
		`+ Target[0].Hostname: "db-01.corp.example"`,
		`~ Priority: "Low" → "High"`,
		"== cti",
		`+ Source[0].TI[0]: "IP:blocklist"`,
		"== result: valid 2.D.V08",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The CTI section shows only what CTI added, not the assets again.
	cti := out[strings.Index(out, "== cti"):]
	if strings.Contains(cti, "Target[0].Hostname") {
		t.Errorf("the cti diff repeats the assets changes:\n%s", cti)
	}

	none := write("none.yaml", "version: 1\ndata_dir: "+dir+"\nenrich:\n  geoip:\n    enabled: false\n")
	out, _, code = run(t, "", "enrich", "test", "--config", none, alert)
	if code != 0 || !strings.Contains(out, "no enricher is configured") {
		t.Errorf("no enrichers: exit %d: %s", code, out)
	}
	if _, _, code := run(t, "", "enrich", "test", "--config", none, filepath.Join(dir, "missing.json")); code != 2 {
		t.Errorf("missing alert file: exit %d, want 2", code)
	}
}
