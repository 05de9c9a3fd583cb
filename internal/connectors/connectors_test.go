package connectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/sharedtest"
)

// sampleDirs maps tool names to their folder in the shared connector samples.
var sampleDirs = map[string]string{
	"suricata": "suricata", "wazuh": "wazuh", "clamav": "clamav", "modsecurity": "modsecurity",
	"prometheus": "prometheus", "zabbix": "zabbix", "kismet": "kismet", "samhain": "samhain",
	"tpot": "t-pot", "zoneminder": "zoneminder", "motion": "motion",
}

// readSample returns one sample input as a single line: the shared JSON
// samples are pretty-printed, the tools write JSON lines.
func readSample(tb testing.TB, tool, file string) []byte {
	tb.Helper()
	path := filepath.Join(sharedtest.Dir(tb, "idmefv2", "connectors"), sampleDirs[tool], file)
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if strings.HasSuffix(file, ".json") {
		var buf bytes.Buffer
		if err := json.Compact(&buf, data); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		return buf.Bytes()
	}
	return bytes.TrimSpace(data)
}

// fixedOptions makes output reproducible.
func fixedOptions() Options {
	n := 0
	return Options{
		Now: func() time.Time { return time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC) },
		NewID: func() (string, error) {
			n++
			return fmt.Sprintf("00000000-0000-4000-8000-%012d", n), nil
		},
	}
}

// mustValid fails unless a encodes to a valid V08 message.
func mustValid(t *testing.T, a *idmefv2.Alert) {
	t.Helper()
	data, err := idmefv2.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	rep := idmefv2.ValidateJSON(data)
	if !rep.Valid() || a.Version != idmefv2.VersionV08 {
		t.Fatalf("invalid V08 output %s: %v", data, rep.Issues)
	}
	if len(rep.Warnings()) > 0 {
		t.Errorf("warnings on %s: %v", data, rep.Warnings())
	}
}

// view is the part of an alert the sample tests compare.
type view struct {
	CreateTime, StartTime, EndTime string
	Category                       []idmefv2.Category
	Priority                       idmefv2.Priority
	SrcIP, DstIP                   []string
	SrcPort, DstPort               []int
	SrcUser, DstUser               []string
	Hashes                         []string
	Files                          []string
	Ref                            []string
	TargetID                       string
}

func viewOf(a *idmefv2.Alert) view {
	v := view{CreateTime: a.CreateTime, StartTime: a.StartTime, EndTime: a.EndTime, Category: a.Category, Priority: a.Priority, Ref: a.Ref}
	for _, s := range a.Source {
		v.SrcIP = appendNonEmpty(v.SrcIP, s.IP)
		v.SrcPort = append(v.SrcPort, s.Port...)
		v.SrcUser = appendNonEmpty(v.SrcUser, s.User)
	}
	for _, t := range a.Target {
		v.DstIP = appendNonEmpty(v.DstIP, t.IP)
		v.DstPort = append(v.DstPort, t.Port...)
		v.DstUser = appendNonEmpty(v.DstUser, t.User)
	}
	for _, at := range a.Attachment {
		v.Hashes = append(v.Hashes, at.Hash...)
		v.Files = appendNonEmpty(v.Files, at.FileName)
	}
	return v
}

func appendNonEmpty(list []string, s string) []string {
	if s == "" {
		return list
	}
	return append(list, s)
}

func TestSamples(t *testing.T) {
	cases := []struct {
		tool, file string
		want       *view // nil: filtered out
		check      func(t *testing.T, a *idmefv2.Alert)
	}{
		{tool: "suricata", file: "eve-alert-1.input.json", want: &view{
			CreateTime: "2017-04-07T22:24:37.251547+01:00", Category: []idmefv2.Category{idmefv2.CategoryReconNetwork}, Priority: idmefv2.PriorityLow,
			SrcIP: []string{"192.168.2.14"}, SrcPort: []int{50096}, DstIP: []string{"209.53.113.5"}, DstPort: []int{80},
			Ref: []string{"urn:suricata:sid:2018358"},
		}, check: func(t *testing.T, a *idmefv2.Alert) {
			if a.Description != "ET HUNTING GENERIC SUSPICIOUS POST to Dotted Quad with Fake Browser 1" {
				t.Errorf("Description %q", a.Description)
			}
			if !slices.Contains(a.Source[0].Protocol, "TCP") {
				t.Errorf("Protocol %v", a.Source[0].Protocol)
			}
		}},
		{tool: "suricata", file: "eve-alert-3.input.json"},
		{tool: "suricata", file: "eve-flow-1.input.json"},
		{tool: "wazuh", file: "wazuh-alert-1.input.json"},
		{tool: "wazuh", file: "wazuh-alert-4.input.json", want: &view{
			CreateTime: "2025-04-16T09:03:38.791Z", Category: []idmefv2.Category{idmefv2.CategorySabotageData}, Priority: idmefv2.PriorityLow,
			DstIP: []string{"172.18.0.2"}, DstUser: []string{"root"}, Files: []string{"/test/test1.txt"},
			Hashes: []string{"md5:fc853869a9276994bbd6b965e422d235", "sha-1:c6ad41de8c6b30de49eb8bd196aebd078d2e3505", "sha-256:b1c2751ab1b0d9f67cd2c629aa87cde994ce0579c104fdf258865e31af0aaf60"},
			Ref:    []string{"urn:wazuh:rule:554"},
		}, check: func(t *testing.T, a *idmefv2.Alert) {
			if a.Attachment[0].Size == nil || *a.Attachment[0].Size != 29 {
				t.Errorf("Size %v", a.Attachment[0].Size)
			}
		}},
		{tool: "wazuh", file: "wazuh-alert-5.input.json", want: &view{
			CreateTime: "2025-04-16T09:03:50.949Z", Category: []idmefv2.Category{idmefv2.CategorySabotageData}, Priority: idmefv2.PriorityMedium,
			DstIP: []string{"172.18.0.2"}, DstUser: []string{"root"}, Files: []string{"/test/test1.txt"},
			Hashes: []string{"md5:fc853869a9276994bbd6b965e422d235", "sha-1:c6ad41de8c6b30de49eb8bd196aebd078d2e3505", "sha-256:b1c2751ab1b0d9f67cd2c629aa87cde994ce0579c104fdf258865e31af0aaf60"},
			Ref:    []string{"urn:wazuh:rule:550"},
		}, check: func(t *testing.T, a *idmefv2.Alert) {
			if !slices.Contains(a.AltCategory, "mitre:T1565.001") {
				t.Errorf("AltCategory %v lacks the MITRE technique", a.AltCategory)
			}
		}},
		{tool: "clamav", file: "clamav-alert-1.input.json", want: &view{
			CreateTime: "2026-03-01T10:00:00Z", Category: []idmefv2.Category{idmefv2.CategoryMalwareOther}, Priority: idmefv2.PriorityHigh,
			Hashes: []string{"md5:c6ccf4ddbccbcaa01b441690a329d1b0", "md5:aa15bcf478d165efd2065190eb473bcb"},
			Files:  []string{"clam-fsg.exe", "/var/tmp/clamav/20250602_103214-clam-fsg.exe.9f0107b44b/clam-fsg.exe.fa0f0826fc/embedded-pe.8373dd8d0a"},
		}, check: func(t *testing.T, a *idmefv2.Alert) {
			if !strings.Contains(a.Description, "Clamav.Test.File-6") {
				t.Errorf("Description %q lacks the signature", a.Description)
			}
		}},
		{tool: "modsecurity", file: "sample-event.input.json", want: &view{
			CreateTime: "2026-02-02T12:40:01Z", Category: []idmefv2.Category{idmefv2.CategoryAccessCompromise}, Priority: idmefv2.PriorityHigh,
			SrcIP: []string{"10.0.0.10"}, DstIP: []string{"10.0.0.20"},
		}, check: func(t *testing.T, a *idmefv2.Alert) {
			if s, _ := a.Attachment[0].ContentString(); s != "/login" || a.Target[0].Attachment[0] != "request" {
				t.Errorf("request URI not attached to the target: %+v", a.Attachment)
			}
		}},
		{tool: "prometheus", file: "sample-alert.input.json", want: &view{
			CreateTime: "2018-07-04T20:27:12.60602144+02:00", Category: []idmefv2.Category{idmefv2.CategoryAvailabilityOutage}, Priority: idmefv2.PriorityHigh,
			DstPort: []int{9100},
		}, check: func(t *testing.T, a *idmefv2.Alert) {
			if a.Target[0].Hostname != "node-1" {
				t.Errorf("Target.Hostname %q", a.Target[0].Hostname)
			}
		}},
		{tool: "zabbix", file: "sample-event.input.json", want: &view{
			CreateTime: "1970-01-01T00:00:00Z", Category: []idmefv2.Category{idmefv2.CategoryAvailabilityOutage}, Priority: idmefv2.PriorityHigh,
			SrcIP: []string{"10.0.0.1"}, SrcPort: []int{10050}, DstIP: []string{"127.0.0.1"}, DstPort: []int{9090},
		}, check: func(t *testing.T, a *idmefv2.Alert) {
			if a.Source[0].Hostname != "my-host" || a.Target[0].Hostname != "zbx-server" {
				t.Errorf("hostnames %q %q", a.Source[0].Hostname, a.Target[0].Hostname)
			}
		}},
		{tool: "kismet", file: "sample-alert.input.json", want: &view{
			CreateTime: "1970-01-01T00:00:00Z", Category: []idmefv2.Category{idmefv2.CategoryReconNetwork}, Priority: idmefv2.PriorityMedium,
		}, check: func(t *testing.T, a *idmefv2.Alert) {
			if !strings.Contains(a.Source[0].Note, "aa:bb:cc:dd:ee:ff") {
				t.Errorf("source MAC missing: %q", a.Source[0].Note)
			}
		}},
		{tool: "samhain", file: "line-1.input.log", want: &view{
			CreateTime: "2026-02-02T12:40:01Z", Category: []idmefv2.Category{idmefv2.CategorySabotageData}, Priority: idmefv2.PriorityHigh,
			Files: []string{"/etc/passwd"}, Hashes: []string{"tiger192:abc123"},
		}},
		{tool: "tpot", file: "sample-event.input.json", want: &view{
			CreateTime: "2026-02-02T12:40:01Z", Category: []idmefv2.Category{idmefv2.CategoryAccessForced}, Priority: idmefv2.PriorityMedium,
			SrcIP: []string{"192.0.2.10"}, SrcPort: []int{34567}, DstIP: []string{"198.51.100.20"}, DstPort: []int{22},
		}},
		{tool: "zoneminder", file: "event-1.input.json", want: &view{
			CreateTime: "2026-01-14T15:58:47Z", StartTime: "2026-01-14T15:58:47Z", Category: []idmefv2.Category{idmefv2.CategoryAccessUnauthorized},
			Priority: idmefv2.PriorityHigh, Files: []string{"/var/cache/zoneminder/events/1/2026-01-14/473"},
		}},
		{tool: "motion", file: "1-event-start.input.json", want: &view{
			CreateTime: "2026-01-30T13:28:10Z", StartTime: "2026-01-30T13:28:10Z", Category: []idmefv2.Category{idmefv2.CategoryAccessUnauthorized},
			Priority: idmefv2.PriorityHigh, TargetID: motionCameraID("f54989725fcf", "0"),
		}},
		{tool: "motion", file: "2-picture-save.input.json", want: &view{
			CreateTime: "2026-01-30T13:28:12Z", StartTime: "2026-01-30T13:28:12Z", Category: []idmefv2.Category{idmefv2.CategoryAccessUnauthorized},
			Priority: idmefv2.PriorityHigh, Files: []string{"/var/lib/motion/20260130132812-14.jpg"}, TargetID: motionCameraID("f54989725fcf", "0"),
		}},
		{tool: "motion", file: "4-event-end.input.json", want: &view{
			CreateTime: "2026-01-30T13:28:41Z", EndTime: "2026-01-30T13:28:41Z", Category: []idmefv2.Category{idmefv2.CategoryAccessUnauthorized},
			Priority: idmefv2.PriorityHigh, TargetID: motionCameraID("f54989725fcf", "0"),
		}},
		{tool: "motion", file: "5-camera-lost.input.json", want: &view{
			CreateTime: "2026-01-30T14:00:00Z", Category: []idmefv2.Category{idmefv2.CategoryAvailabilityFailure},
			Priority: idmefv2.PriorityHigh, TargetID: motionCameraID("f54989725fcf", "0"),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.tool+"/"+tc.file, func(t *testing.T) {
			c, ok := New(tc.tool, fixedOptions())
			if !ok {
				t.Fatalf("no converter %q", tc.tool)
			}
			a, err := c.Convert(readSample(t, tc.tool, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == nil {
				if a != nil {
					t.Fatalf("want the event filtered out, got %+v", a)
				}
				return
			}
			if a == nil {
				t.Fatal("event filtered out")
			}
			mustValid(t, a)
			got := viewOf(a)
			if tc.want.TargetID == "" {
				got.TargetID = ""
			} else if len(a.Target) > 0 {
				got.TargetID = a.Target[0].ID
			}
			if diff := cmp.Diff(*tc.want, got); diff != "" {
				t.Errorf("mapping (-want +got):\n%s", diff)
			}
			if tc.check != nil {
				tc.check(t, a)
			}
		})
	}
}

func TestMotionCameraIDIsUUID(t *testing.T) {
	id := motionCameraID("host", "0")
	if id != motionCameraID("host", "0") || id == motionCameraID("host", "1") || id == motionCameraID("other", "0") {
		t.Fatalf("camera IDs not stable per host and camera: %s", id)
	}
	a := &idmefv2.Alert{Version: idmefv2.VersionV08, ID: id, CreateTime: "2026-01-01T00:00:00Z", Analyzer: idmefv2.Analyzer{Name: "x"}}
	if rep := a.Validate(); !rep.Valid() {
		t.Fatalf("camera ID %s is not a valid identifier: %v", id, rep.Issues)
	}
}

func TestReproducibleWithOptions(t *testing.T) {
	for _, tool := range []string{"suricata", "clamav"} {
		t.Run(tool, func(t *testing.T) {
			file := map[string]string{"suricata": "eve-alert-1.input.json", "clamav": "clamav-alert-1.input.json"}[tool]
			line := readSample(t, tool, file)
			var outs [2][]byte
			for i := range outs {
				c, _ := New(tool, fixedOptions())
				a, err := c.Convert(line)
				if err != nil {
					t.Fatal(err)
				}
				if a.ID != "00000000-0000-4000-8000-000000000001" {
					t.Errorf("ID %q does not come from Options.NewID", a.ID)
				}
				outs[i], _ = idmefv2.Encode(a)
			}
			if !bytes.Equal(outs[0], outs[1]) {
				t.Errorf("outputs differ:\n%s\n%s", outs[0], outs[1])
			}
		})
	}
}

func TestZabbixDisasterIsHigh(t *testing.T) {
	c, _ := New("zabbix", fixedOptions())
	a, err := c.Convert([]byte(`{"clock":"1700000000","severity":"5","name":"db down","hosts":[{"name":"db1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	mustValid(t, a)
	if a.Priority != idmefv2.PriorityHigh || a.CreateTime != "2023-11-14T22:13:20Z" {
		t.Errorf("Priority %q CreateTime %q", a.Priority, a.CreateTime)
	}
}

func TestSuricataCategories(t *testing.T) {
	cases := map[string]idmefv2.Category{
		"Attempted Information Leak":             idmefv2.CategoryReconNetwork,
		"Potential Corporate Privacy Violation":  idmefv2.CategoryOperationalPolicyViolation,
		"A Network Trojan was detected":          idmefv2.CategoryMalwareTrojan,
		"Web Application Attack":                 idmefv2.CategoryAccessCompromise,
		"Attempted Administrator Privilege Gain": idmefv2.CategoryAccessEscalation,
		"Misc activity":                          idmefv2.CategoryOtherUncategorised,
		"Something new":                          idmefv2.CategoryOtherUncategorised,
	}
	c, _ := New("suricata", fixedOptions())
	for classtype, want := range cases {
		t.Run(classtype, func(t *testing.T) {
			line := fmt.Sprintf(`{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"10.0.0.1","src_port":1234,"dest_ip":"::1","dest_port":22,"proto":"TCP","alert":{"signature_id":1,"signature":"x","category":%q,"severity":1}}`, classtype)
			a, err := c.Convert([]byte(line))
			if err != nil {
				t.Fatal(err)
			}
			mustValid(t, a)
			if a.Category[0] != want || a.AltCategory[0] != "suricata:"+classtype {
				t.Errorf("Category %v AltCategory %v", a.Category, a.AltCategory)
			}
		})
	}
}

func TestWazuhAuthenticationFailure(t *testing.T) {
	c, _ := New("wazuh", fixedOptions())
	line := `{"timestamp":"2025-04-16T09:02:57.556+0000","rule":{"level":5,"description":"sshd: authentication failed.","id":"5760","groups":["syslog","sshd","authentication_failed"]},"agent":{"id":"001","name":"web1","ip":"10.1.1.5"},"data":{"srcip":"203.0.113.9","srcport":"52113","dstuser":"admin"}}`
	a, err := c.Convert([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	mustValid(t, a)
	want := view{CreateTime: "2025-04-16T09:02:57.556Z", Category: []idmefv2.Category{idmefv2.CategoryAccessForced}, Priority: idmefv2.PriorityLow,
		SrcIP: []string{"203.0.113.9"}, SrcPort: []int{52113}, DstIP: []string{"10.1.1.5"}, DstUser: []string{"admin"}, Ref: []string{"urn:wazuh:rule:5760"}}
	if diff := cmp.Diff(want, viewOf(a)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestMalformed(t *testing.T) {
	cases := []struct {
		tool, line, wantInErr string
	}{
		{"suricata", `{"timestamp":"2024-01-01T00:00:00Z","event_type":"alert"`, "malformed JSON"},
		{"suricata", `{"event_type":"alert","src_port":"x","alert":{}}`, "src_port"},
		{"suricata", `{"event_type":"alert","timestamp":"yesterday","alert":{"category":"Misc activity"}}`, "timestamp"},
		{"suricata", `{"event_type":"alert","timestamp":"2024-01-01T00:00:00Z","src_ip":"10.0.0.300","alert":{"category":"Misc activity"}}`, "src_ip"},
		{"suricata", `{"event_type":"alert","timestamp":"2024-01-01T00:00:00Z","src_ip":"10.0.0.1","src_port":70000,"alert":{"category":"Misc activity"}}`, "src_port"},
		{"wazuh", `{"rule":{"level":"high"}}`, "rule.level"},
		{"wazuh", `{"timestamp":"2025-04-16T09:02:57Z"}`, "rule"},
		{"clamav", `{"FileName":"a","Viruses":"x"}`, "Viruses"},
		{"modsecurity", `{"transaction":{"messages":[{}],"time_stamp":"soon"}}`, "time_stamp"},
		{"modsecurity", `[]`, "malformed JSON"},
		{"prometheus", `{"state":"firing","activeAt":12}`, "activeAt"},
		{"zabbix", `{"clock":"noon","severity":"1"}`, "noon"},
		{"zabbix", `{"clock":"1","severity":"9"}`, "severity"},
		{"kismet", `{"kismet.alert.severity":1}`, "kismet.alert.timestamp"},
		{"samhain", `CRIT : [2026-02-02T12:40:01+0000] msg=<unterminated`, "msg"},
		{"samhain", `no severity here`, "SEVERITY"},
		{"samhain", `LOUD : [2026-02-02T12:40:01+0000] msg=<x>`, "severity"},
		{"tpot", `{"@timestamp":"2026-02-02T12:40:01Z","type":"cowrie","src_ip":"1.2.3.4","dest_ip":"5.6.7.8","src_port":"ssh"}`, "ssh"},
		{"zoneminder", `{"ET":"14/01/2026"}`, "ET"},
		{"motion", `{"event_name":"event_start","camera_id":"0","date":"2026-13-01 00:00:00"}`, "date"},
		{"motion", `{"event_name":"event_start","camera_id":1}`, "camera_id"},
	}
	for _, tc := range cases {
		t.Run(tc.tool+"/"+tc.wantInErr, func(t *testing.T) {
			c, _ := New(tc.tool, fixedOptions())
			a, err := c.Convert([]byte(tc.line))
			if err == nil {
				t.Fatalf("no error, alert %+v", a)
			}
			if !strings.Contains(err.Error(), tc.wantInErr) || !strings.HasPrefix(err.Error(), tc.tool+": ") {
				t.Errorf("error %q does not name the tool and %q", err, tc.wantInErr)
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	want := []string{"clamav", "kismet", "modsecurity", "motion", "prometheus", "samhain", "suricata", "tpot", "wazuh", "zabbix", "zoneminder"}
	if diff := cmp.Diff(want, Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	for _, n := range want {
		if _, ok := Lookup(n); !ok {
			t.Errorf("Lookup(%q) failed", n)
		}
	}
	if _, ok := Lookup("snort"); ok {
		t.Error("Lookup of an unknown tool succeeded")
	}
}

// samples lists every sample input per tool, for the fuzz seeds and the
// benchmarks.
func samples(tb testing.TB) map[string][][]byte {
	tb.Helper()
	root := sharedtest.Dir(tb, "idmefv2", "connectors")
	out := map[string][][]byte{}
	for tool, dir := range sampleDirs {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.input.*"))
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range files {
			out[tool] = append(out[tool], readSample(tb, tool, filepath.Base(f)))
		}
	}
	return out
}

func FuzzConvert(f *testing.F) {
	names := Names()
	for tool, lines := range samples(f) {
		i := slices.Index(names, tool)
		for _, l := range lines {
			f.Add(uint8(i), l)
		}
	}
	f.Add(uint8(0), []byte(`{"FileName":"a","Viruses":["Win.Trojan.X"],"FileMD5":"zz"}`))
	f.Fuzz(func(t *testing.T, which uint8, line []byte) {
		tool := names[int(which)%len(names)]
		c, _ := New(tool, Options{})
		a, err := c.Convert(line)
		if err != nil {
			if a != nil {
				t.Fatalf("%s: alert and error together", tool)
			}
			return
		}
		if a == nil {
			return
		}
		data, err := idmefv2.Encode(a)
		if err != nil {
			t.Fatalf("%s: encode: %v", tool, err)
		}
		if rep := idmefv2.ValidateJSON(data); !rep.Valid() {
			t.Fatalf("%s: invalid output %s: %v", tool, data, rep.Issues)
		}
	})
}

func BenchmarkConvert(b *testing.B) {
	all := samples(b)
	for _, tool := range Names() {
		lines := all[tool]
		b.Run(tool, func(b *testing.B) {
			c, _ := New(tool, Options{})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := c.Convert(lines[i%len(lines)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestInvalidMappingIsAnError checks the last line of defence: a converter
// whose mapping yields an invalid alert returns an error, never the alert.
func TestInvalidMappingIsAnError(t *testing.T) {
	c := &converter{b: builder{tool: "broken"}, fn: func(b *builder, _ []byte) (*idmefv2.Alert, error) {
		a, err := b.alert("broken", time.Time{})
		if err != nil {
			return nil, err
		}
		a.Priority = "Critical"
		return a, nil
	}}
	a, err := c.Convert([]byte(`{}`))
	if err == nil || a != nil || !strings.Contains(err.Error(), "/Priority") {
		t.Fatalf("got %v, %v; want an error at /Priority", a, err)
	}
}
