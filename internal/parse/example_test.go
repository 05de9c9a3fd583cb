package parse_test

import (
	"fmt"
	"time"

	"github.com/vigie-siem/vigie/internal/logevent"
	"github.com/vigie-siem/vigie/internal/parse"
)

// A rule set compiled from YAML, and one syslog event through it.
func ExampleEngine_Process() {
	rules := `
ruleset: app
match: {program: [app]}
rules:
  - id: app.login-failed
    description: Login failed
    grok: 'login failed for %{USERNAME:user} from %{IP:src_ip}'
    map:
      Category: [Access.Forced]
      Priority: Low
      Source(0).IP: "{{src_ip|ip}}"
      Target(0).User: "{{user}}"
    samples:
      - line: "login failed for bob from 192.0.2.7"
        expect: {Target(0).User: bob}
`
	e, err := parse.New([]parse.Source{{Name: "app.yaml", Data: []byte(rules)}}, parse.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ev := logevent.New("syslog/udp", time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), nil)
	ev.AppName, ev.Hostname = "app", "web1"
	ev.Message = "login failed for alice from 203.0.113.7"
	alerts, ruleID, err := e.Process(&ev)
	if err != nil {
		fmt.Println(err)
		return
	}
	a := alerts[0]
	fmt.Println(ruleID, a.Category, a.Priority, a.Source[0].IP, a.Target[0].User, a.Analyzer.Name, a.Analyzer.Hostname, a.CreateTime)
	// Output: app.login-failed [Access.Forced] Low 203.0.113.7 alice app web1 2026-11-23T10:00:00Z
}
