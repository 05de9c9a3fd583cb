package sigma

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
)

// richAlert is the alert most modifier tests run against.
func richAlert(t testing.TB) *idmefv2.Alert {
	a := buildAlert(t, alertSpec{
		analyzer:    "sshd",
		data:        []idmefv2.AnalyzerData{idmefv2.AnalyzerDataLog},
		category:    []idmefv2.Category{idmefv2.CategoryAccessOther, idmefv2.CategoryReconNetwork},
		description: `Failed password for root from 203.0.113.7 port 50022 ssh2: C:\Windows\cmd.exe /c whoami * done?`,
		priority:    idmefv2.PriorityHigh,
		sources: []idmefv2.Source{
			{IP: "203.0.113.7", Port: []int{50022}, User: "Admin"},
			{IP: "2001:db8::5", Hostname: "évil.example"},
		},
		targets: []idmefv2.Target{{IP: "192.0.2.10", Service: "sshd", User: "root", Port: []int{22, 2222}}},
	})
	conf := 0.8
	a.Confidence = &conf
	a.Note = base64.StdEncoding.EncodeToString([]byte("hello"))
	at, err := a.AddAttachment(idmefv2.Attachment{Name: "raw"})
	if err != nil {
		t.Fatal(err)
	}
	at.SetContentString("cmd " + base64.StdEncoding.EncodeToString([]byte("xx powershell -nop")) + " end")
	if rep := a.Validate(); !rep.Valid() {
		t.Fatalf("invalid: %v", rep.Errors())
	}
	return a
}

func selRule(sel string) string {
	return "title: t\nlogsource: {category: alerts}\ndetection:\n  selection:\n" + indent(sel, "    ") + "\n  condition: selection\n"
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = pre + l
	}
	return strings.Join(lines, "\n")
}

func TestModifiers(t *testing.T) {
	a := richAlert(t)
	cases := []struct {
		name string
		sel  string
		want bool
	}{
		// plain equality, case-insensitive, list semantics
		{"eq", "Target.Service: sshd", true},
		{"eq fold", "Target.Service: SSHD", true},
		{"eq other", "Target.Service: nginx", false},
		{"eq list attr any element", "Category: Recon.Network", true},
		{"eq list of values OR", "Category: [Malware.Virus, Access.Other]", true},
		{"eq list none", "Category: [Malware.Virus, Malware.Worm]", false},
		{"map AND", "Category: Access.Other\nTarget_User: root", true},
		{"map AND fails", "Category: Access.Other\nTarget_User: alice", false},
		{"any source", "Source.IP: 2001:db8::5", true},
		{"indexed source 0", "Source(0).IP: 2001:db8::5", false},
		{"indexed source 1", "Source(1).IP: 2001:db8::5", true},
		{"star index", "Source(*).User: admin", true},
		{"analyzer", "Analyzer.Name: sshd", true},
		{"alias analyzer", "Analyzer_Name: SSHD", true},
		{"alias source port", "Source_Port: 50022", true},
		{"unicode fold", "Source.Hostname: ÉVIL.example", true},
		// numbers
		{"num eq port", "Target.Port: 2222", true},
		{"num eq string form", "Target.Port: '22'", true},
		{"num eq port value index", "Target.Port(1): 22", false},
		{"num eq port value index 0", "Target.Port(0): 22", true},
		{"gt", "Target.Port|gt: 2000", true},
		{"gt none", "Target.Port|gt: 5000", false},
		{"gte", "Target.Port|gte: 2222", true},
		{"lt", "Target.Port|lt: 23", true},
		{"lte none", "Target.Port|lte: 21", false},
		{"confidence float", "Confidence|gte: 0.75", true},
		{"confidence eq", "Confidence: 0.8", true},
		{"gt on text never", "Target.Service|gt: 1", false},
		// wildcards and escapes
		{"wildcard star", "Description: 'failed*ssh2*'", true},
		{"wildcard question", "Target.User: r??t", true},
		{"wildcard question too short", "Target.User: r?t", false},
		{"wildcard prefix only", "Target.Service: 'ss*'", true},
		{"wildcard any", "Source.User: '*'", true},
		{"wildcard any absent", "Target.Hostname: '*'", false},
		{"escaped star literal", `Description: '*whoami \* done\?'`, true},
		{"escaped star is not wildcard", `Description: '*whoami \*'`, false},
		{"backslash literal", `Description|contains: 'C:\Windows\cmd.exe'`, true},
		{"escaped backslash", `Description|contains: 'C:\\Windows'`, true},
		// string modifiers
		{"contains", "Description|contains: 'PASSWORD FOR'", true},
		{"contains none", "Description|contains: 'accepted'", false},
		{"contains with wildcard inside", "Description|contains: 'password*203.0'", true},
		{"startswith", "Description|startswith: failed", true},
		{"startswith none", "Description|startswith: password", false},
		{"endswith", "Description|endswith: 'DONE?'", true},
		{"contains all", "Description|contains|all: [root, ssh2]", true},
		{"contains all one missing", "Description|contains|all: [root, telnet]", false},
		{"cased", "Target.Service|cased: SSHD", false},
		{"cased ok", "Target.Service|cased: sshd", true},
		{"cased contains", "Description|contains|cased: 'Failed'", true},
		{"cased contains no", "Description|contains|cased: 'failed'", false},
		// regular expressions
		{"re", `Description|re: 'port \d+ ssh2'`, true},
		{"re case-sensitive by default", `Description|re: '^failed'`, false},
		{"re i", `Description|re|i: '^failed'`, true},
		{"re on numbers", `Target.Port|re: '^22$'`, true},
		{"re s", `Description|re|s: 'Failed.*done'`, true},
		// cidr
		{"cidr v4", "Source.IP|cidr: 203.0.113.0/24", true},
		{"cidr v4 none", "Source.IP|cidr: 10.0.0.0/8", false},
		{"cidr v6", "Source.IP|cidr: '2001:db8::/32'", true},
		{"cidr list", "Target.IP|cidr: [10.0.0.0/8, 192.0.2.0/24]", true},
		// encodings
		{"base64", "Note|base64: hello", true},
		{"base64offset contains", "Attachment.Content|base64offset|contains: powershell", true},
		{"base64offset contains none", "Attachment.Content|base64offset|contains: cmd.exe", false},
		{"wide base64offset", "Attachment.Content|wide|base64offset|contains: powershell", false},
		// exists / null
		{"exists true", "Source.User|exists: true", true},
		{"exists false", "Source.Email|exists: false", true},
		{"exists true absent", "Source.Email|exists: true", false},
		{"null absent", "Target.Hostname: null", true},
		{"null present", "Target.User: null", false},
		{"null or value", "Target.User: [null, root]", true},
		{"empty string is absent", "Target.Hostname: ''", false},
		// fieldref
		{"fieldref", "Source(0).User|fieldref: Source(0).User", true},
		{"fieldref differs", "Target.User|fieldref: Source.User", false},
		{"fieldref contains", "Description|fieldref|contains: Target.User", true},
		{"fieldref numbers", "Target(0).Port(0)|fieldref: Target(0).Port(0)", true},
		{"fieldref numbers differ", "Target(0).Port(0)|fieldref: Target(0).Port(1)", false},
		// windash
		{"windash", "Description|windash|contains: ' -c whoami'", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := compileYAML(t, selRule(c.sel))
			if got := r.Match(a); got != c.want {
				t.Fatalf("%s: Match = %v, want %v", c.sel, got, c.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	a := richAlert(t)
	r := compileYAML(t, selRule("Source.IP|expand: '%admin_ips%'"), WithPlaceholders(map[string][]string{"admin_ips": {"10.0.0.1", "203.0.113.7"}}))
	if !r.Match(a) {
		t.Fatal("expanded placeholder did not match")
	}
	r = compileYAML(t, selRule("Source.IP|expand: '%admin_ips%'"), WithPlaceholders(map[string][]string{"admin_ips": {"10.0.0.1"}}))
	if r.Match(a) {
		t.Fatal("expanded placeholder matched a value it does not hold")
	}
	err := compileErr(selRule("Source.IP|expand: '%nope%'"))
	if err == nil || !strings.Contains(err.Error(), "%nope%") {
		t.Fatalf("missing placeholder: err = %v", err)
	}
}

func TestWithAliases(t *testing.T) {
	a := richAlert(t)
	r := compileYAML(t, selRule("src_ip: 203.0.113.7"), WithAliases(map[string]string{"src_ip": "Source.IP"}))
	if !r.Match(a) {
		t.Fatal("custom alias did not match")
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct{ sel, want string }{
		{"Source_Ip: 1.2.3.4", `field "Source_Ip"`},
		{"source.ip: 1.2.3.4", `did you mean`},
		{"Nope: x", `unknown field`},
		{"Source: x", `is a class`},
		{"Source.IP|wide: x", "not applicable to IDMEFv2"},
		{"Source.IP|utf16: x", "not applicable to IDMEFv2"},
		{"Source.IP|frobnicate: x", `unknown modifier "frobnicate"`},
		{"Source.IP|cidr: 1.2.3.4", "not a network"},
		{"Target.Port|gt: many", "needs a number"},
		{"Description|re: '(?<=a)b'", "RE2"},
		{"Description|contains|startswith: a", "exclude each other"},
		{"Description|i: a", "sub-modifiers of re"},
		{"Description|exists: maybe", "exists takes true or false"},
		{"Description: []", "empty list"},
		{"Description: {a: b}", "scalar"},
		{"Description|contains: null", "null only works"},
		{"Description|fieldref: Nope", "fieldref"},
	}
	for _, c := range cases {
		err := compileErr(selRule(c.sel))
		if err == nil {
			t.Errorf("%s: compiled, want error containing %q", c.sel, c.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.want) {
			t.Errorf("%s: error %q does not contain %q", c.sel, msg, c.want)
		}
		if !strings.Contains(msg, `rule "t"`) || !strings.Contains(msg, "detection.selection") {
			t.Errorf("%s: error %q does not name the rule and place", c.sel, msg)
		}
	}
}

func TestKeywords(t *testing.T) {
	a := richAlert(t)
	for _, c := range []struct {
		search string
		want   bool
	}{
		{"- whoami", true},
		{"- WHOAMI", true},
		{"- telnet\n- 'password for'", true},
		{"- telnet", false},
		{"- 'évil.EXAMPLE'", true},
		{"- 'fail*root'", true},
	} {
		src := "title: t\nlogsource: {}\ndetection:\n  keywords:\n" + indent(c.search, "    ") + "\n  condition: keywords\n"
		r := compileYAML(t, src)
		if got := r.Match(a); got != c.want {
			t.Errorf("keywords %q: Match = %v, want %v", c.search, got, c.want)
		}
	}
}

func TestFieldValues(t *testing.T) {
	a := richAlert(t)
	for _, c := range []struct {
		name string
		want string
	}{
		{"Source_IP", "203.0.113.7,2001:db8::5"},
		{"Source(1).IP", "2001:db8::5"},
		{"Target.Port", "22,2222"},
		{"Target(0).Port(1)", "2222"},
		{"Category", "Access.Other,Recon.Network"},
		{"Confidence", "0.8"},
		{"Analyzer.Name", "sshd"},
		{"Target.User", "root"},
		{"Target.Hostname", ""},
	} {
		f, err := ParseField(c.name, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := strings.Join(f.Values(a), ","); got != c.want {
			t.Errorf("%s (%s): values %q, want %q", c.name, f, got, c.want)
		}
	}
	f, _ := ParseField("Source.IP", nil)
	if f.String() != "Source(*).IP" || f.Name() != "Source.IP" {
		t.Errorf("canonical %q name %q", f.String(), f.Name())
	}
	if _, ok := Aliases()["Target_Service"]; !ok {
		t.Error("Aliases lacks Target_Service")
	}
}

func TestYAMLAliases(t *testing.T) {
	a := richAlert(t)
	r := compileYAML(t, `
title: anchors
logsource: {}
detection:
  ssh: &ssh
    Target.Service: &svc sshd
  again: *ssh
  other:
    Analyzer.Name: *svc
  condition: again and other
`)
	if !r.Match(a) {
		t.Fatal("rule using YAML anchors did not match")
	}
}

func TestExpandCIDR(t *testing.T) {
	a := richAlert(t)
	nets := WithPlaceholders(map[string][]string{"internal": {"10.0.0.0/8", "203.0.113.0/24"}, "none": {"10.0.0.0/8"}})
	if !compileYAML(t, selRule("Source.IP|expand|cidr: '%internal%'"), nets).Match(a) {
		t.Error("expanded networks did not match")
	}
	if compileYAML(t, selRule("Source.IP|expand|cidr: '%none%'"), nets).Match(a) {
		t.Error("expanded networks matched an address outside them")
	}
}
