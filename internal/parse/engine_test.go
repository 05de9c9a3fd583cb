package parse

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/logevent"
)

// builtin returns the engine of the shipped rule sets.
func builtin(t testing.TB) *Engine {
	t.Helper()
	e, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// syslogEvent is a line from program on host, as a syslog input gives it.
func syslogEvent(program, msg string) *logevent.Event {
	ev := logevent.New("syslog/udp", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), []byte(msg))
	ev.AppName, ev.Hostname = program, "host1"
	return &ev
}

func TestProcessContract(t *testing.T) {
	e := builtin(t)
	// A match makes one valid alert and names the rule.
	alerts, id, err := e.Process(syslogEvent("sshd", "Failed password for root from 203.0.113.7 port 52144 ssh2"))
	if err != nil || id != "sshd.failed-password" || len(alerts) != 1 {
		t.Fatalf("got %d alerts, %q, %v", len(alerts), id, err)
	}
	a := alerts[0]
	if !a.Validate().Valid() {
		t.Fatalf("invalid alert: %v", a.Validate().Errors())
	}
	// RFC 3164 has no year or zone: the time is the event's Received.
	if a.CreateTime != "2026-11-23T09:00:00Z" || a.Source[0].ID == "" || a.Target[0].ID == "" {
		t.Errorf("CreateTime %q, source ID %q, target ID %q", a.CreateTime, a.Source[0].ID, a.Target[0].ID)
	}
	// A known event kept only as a raw event: no alert, but the rule.
	alerts, id, err = e.Process(syslogEvent("sshd", "pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)"))
	if err != nil || id != "sshd.session" || alerts != nil {
		t.Fatalf("alert: false: got %v, %q, %v", alerts, id, err)
	}
	// No rule: nothing, and no error.
	alerts, id, err = e.Process(syslogEvent("sshd", "Server listening on 0.0.0.0 port 22."))
	if err != nil || id != "" || alerts != nil {
		t.Fatalf("no match: got %v, %q, %v", alerts, id, err)
	}
	// The program selects the sets: an sshd line from another program
	// matches nothing.
	if _, id, _ := e.Process(syslogEvent("cron", "Failed password for root from 203.0.113.7 port 52144 ssh2")); id != "" {
		t.Errorf("cron line matched %s", id)
	}
}

// TestProcessMappingError: a rule that matches but cannot map is an error
// naming the rule, so that the caller dead-letters the event.
func TestProcessMappingError(t *testing.T) {
	src := `
ruleset: t
match: {program: [app]}
rules:
  - id: t.port
    description: bad port
    grok: 'port %{NOTSPACE:p}'
    map:
      Category: [Recon.Network]
      Source(0).Port: "{{p|int}}"
    samples:
      - line: "port 22"
        expect: {Source(0).Port: [22]}
`
	e, err := New([]Source{{Name: "t.yaml", Data: []byte(src)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if errs := e.CheckSamples(); len(errs) != 0 {
		t.Fatal(errs)
	}
	alerts, id, err := e.Process(syslogEvent("app", "port abc"))
	if err == nil || id != "t.port" || alerts != nil || !strings.Contains(err.Error(), "t.port") {
		t.Fatalf("got %v, %q, %v", alerts, id, err)
	}
	// 70000 passes the int filter but not the V08 schema.
	_, _, err = e.Process(syslogEvent("app", "port 70000"))
	if err == nil {
		t.Fatal("port 70000 gave no error")
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"unknown key", "ruleset: x\nmatch: {program: [a]}\nrules:\n  - id: x.a\n    grock: 'a'\n", "x.yaml:5: field grock not found"},
		{"bad grok", "ruleset: x\nrules:\n  - id: x.a\n    grok: '%{NOPE:a}'\n    samples: [{line: a}]\n", `x.yaml:3: rule "x.a": grok`},
		{"bad path", "ruleset: x\nrules:\n  - id: x.a\n    grok: 'a'\n    map: {Sorce(0).IP: a}\n    samples: [{line: a, expect: {Category: [Other.Test]}}]\n", "Sorce"},
		{"unknown field", "ruleset: x\nrules:\n  - id: x.a\n    grok: '%{WORD:w}'\n    map: {Description: '{{wx}}'}\n    samples: [{line: a, expect: {Category: [Other.Test]}}]\n", `unknown field "wx"`},
		{"no samples", "ruleset: x\nrules:\n  - id: x.a\n    grok: 'a'\n    alert: false\n", "every rule needs at least one sample"},
		{"bad when", "ruleset: x\nmatch: {when: 'program +'}\nrules:\n  - id: x.a\n    grok: a\n    alert: false\n    samples: [{line: a}]\n", "match.when"},
		{"bad facility", "ruleset: x\nmatch: {facility: [autht]}\nrules:\n  - id: x.a\n    grok: a\n    alert: false\n    samples: [{line: a}]\n", "autht"},
		{"bad filter", "ruleset: x\nrules:\n  - id: x.a\n    grok: '%{WORD:w}'\n    map: {Description: '{{w|shout}}'}\n    samples: [{line: a, expect: {Description: a}}]\n", `unknown filter "shout"`},
		{"not yaml", "ruleset: [\n", "x.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New([]Source{{Name: "x.yaml", Data: []byte(c.src)}}, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
	// Lint returns the problems one by one, each a located *Error.
	errs := Lint([]Source{{Name: "x.yaml", Data: []byte(cases[0].src)}})
	var le *Error
	if len(errs) != 1 || !errors.As(errs[0], &le) || le.Line != 5 {
		t.Fatalf("Lint: %v", errs)
	}
}

// TestLintSampleFailure: a sample whose expected value differs, or that an
// earlier rule takes, is reported at the sample's line.
func TestLintSampleFailure(t *testing.T) {
	src := `ruleset: x
match: {program: [app]}
rules:
  - id: x.any
    grok: 'login %{WORD:u}'
    alert: false
    samples:
      - line: login bob
  - id: x.root
    grok: 'login root'
    map: {Category: [Access.Forced]}
    samples:
      - line: login root
        expect: {Category: [Access.Forced]}
  - id: x.wrong
    grok: 'logout %{WORD:u}'
    map: {Category: [Access.Forced], Target(0).User: "{{u}}"}
    samples:
      - line: logout bob
        expect: {Target(0).User: alice}
`
	errs := Lint([]Source{{Name: "x.yaml", Data: []byte(src)}})
	if len(errs) != 2 {
		t.Fatalf("got %d problems: %v", len(errs), errs)
	}
	if !strings.Contains(errs[0].Error(), "x.yaml:13: rule x.root sample: matched by rule x.any instead") {
		t.Errorf("shadowed: %v", errs[0])
	}
	if !strings.Contains(errs[1].Error(), `x.yaml:19: rule x.wrong sample: expect Target(0).User: got ["bob"], want ["alice"]`) {
		t.Errorf("wrong value: %v", errs[1])
	}
}

// TestExplain says why a line did not match: sets skipped, pre-filters,
// patterns.
func TestExplain(t *testing.T) {
	e := builtin(t)
	_, id, trace, err := e.Explain(syslogEvent("sshd", "Failed password for root from 203.0.113.7 port x ssh2"))
	if err != nil || id != "" {
		t.Fatalf("%q %v", id, err)
	}
	all := strings.Join(trace, "\n")
	for _, want := range []string{
		"rule set sshd applies",
		`rule sshd.failed-password.invalid-user: pre-filter: " for invalid user " is not in the message`,
		"rule sshd.failed-password: pattern did not match",
		"rule set cisco-asa: when",
		"no rule matched",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("trace lacks %q:\n%s", want, all)
		}
	}
}

// TestJSONEvent: Windows events are matched on fields, not text.
func TestJSONEvent(t *testing.T) {
	e := builtin(t)
	ev := logevent.New("file:/var/log/windows.json", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), nil)
	// The file input decodes numbers as json.Number (UseNumber).
	ev.Fields = map[string]any{"Channel": "Security", "EventID": json.Number("4740"), "TargetUserName": "bob", "Hostname": "DC01"}
	alerts, id, err := e.Process(&ev)
	if err != nil || id != "windows.4740.locked-out" || len(alerts) != 1 {
		t.Fatalf("%v %q %v", alerts, id, err)
	}
	if a := alerts[0]; a.Target[0].User != "bob" || a.Analyzer.Hostname != "DC01" {
		t.Errorf("target %+v analyzer %+v", a.Target[0], a.Analyzer)
	}
}

// TestProcessConcurrent runs Process from several goroutines (go test -race).
func TestProcessConcurrent(t *testing.T) {
	e := builtin(t)
	lines := corpus(500, 1)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, ev := range lines {
				if _, _, err := e.Process(ev); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
