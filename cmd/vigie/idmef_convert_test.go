package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/sharedtest"
)

func TestIdmefConvert(t *testing.T) {
	eve := filepath.Join(sharedtest.Dir(t, "idmefv2", "connectors"), "suricata", "eve.json")
	eveData, err := os.ReadFile(eve)
	if err != nil {
		t.Fatal(err)
	}
	flow := `{"timestamp":"2024-12-19T17:52:42.249098+0000","event_type":"flow","src_ip":"54.198.86.24","src_port":443,"dest_ip":"192.168.1.95","dest_port":46106,"proto":"TCP"}`
	cases := []struct {
		name      string
		stdin     string
		args      []string
		wantCode  int
		wantLines int
		wantErr   string
	}{
		// eve.json: two alerts, then a "Generic Protocol Command Decode" alert
		// and a flow, both filtered out.
		{name: "file", args: []string{"idmef", "convert", "--from", "suricata", eve}, wantLines: 2},
		{name: "stdin", stdin: string(eveData) + "\n" + flow + "\n", args: []string{"idmef", "convert", "--from", "suricata", "-"}, wantLines: 2},
		{name: "filtered only", stdin: flow + "\n", args: []string{"idmef", "convert", "--from", "suricata"}, wantLines: 0},
		{name: "malformed line", stdin: strings.TrimSpace(string(eveData)) + "\n{\"event_type\":\n", args: []string{"idmef", "convert", "--from", "suricata"},
			wantCode: 1, wantLines: 2, wantErr: "-:5: suricata: malformed JSON"},
		{name: "samhain text", stdin: "CRIT : [2026-02-02T12:40:01+0000] msg=<policy violation detected> path=</etc/passwd>\n",
			args: []string{"idmef", "convert", "--from", "samhain"}, wantLines: 1},
		{name: "unknown tool", args: []string{"idmef", "convert", "--from", "snort"}, wantCode: 2},
		{name: "missing file", args: []string{"idmef", "convert", "--from", "suricata", "/nonexistent/eve.json"}, wantCode: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, tc.stdin, tc.args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.wantCode, errOut)
			}
			if tc.wantErr != "" && !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut, tc.wantErr)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if out == "" {
				lines = nil
			}
			if len(lines) != tc.wantLines {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), tc.wantLines, out)
			}
			for i, l := range lines {
				if rep := idmefv2.ValidateJSON([]byte(l)); !rep.Valid() {
					t.Errorf("line %d invalid: %v", i+1, rep.Issues)
				}
			}
		})
	}
}

func TestIdmefConvertPretty(t *testing.T) {
	in := `{"state":"firing","activeAt":"2018-07-04T20:27:12.60602144+02:00","labels":{"alertname":"InstanceDown","severity":"critical","instance":"node-1:9100"}}`
	out, errOut, code := run(t, in+"\n", "idmef", "convert", "--from", "prometheus", "--pretty")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "\n  \"Category\": [") {
		t.Errorf("not indented:\n%s", out)
	}
	if rep := idmefv2.ValidateJSON([]byte(out)); !rep.Valid() {
		t.Errorf("invalid: %v", rep.Issues)
	}
}
