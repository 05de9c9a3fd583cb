package alertgen

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/ingest/syslog"
	"github.com/vigie-siem/vigie/internal/logevent"
	"github.com/vigie-siem/vigie/internal/parse"
)

// TestLogLinesMatchTheirRule sends every generated line, as its syslog
// frame, through the syslog parser and the shipped parsing rules: each must
// be recognised by the rule it was written for (or by none, for the lines
// that are only raw events), and its alerts must be valid IDMEFv2.
func TestLogLinesMatchTheirRule(t *testing.T) {
	eng, err := parse.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	sp := syslog.NewParser(time.UTC)
	seen := map[string]int{}
	for _, seed := range []uint64{1, 7, 99} {
		g := NewLogs(LogOptions{Seed: seed, Now: fixedClock()})
		for i := range 3000 {
			l := g.Next()
			frame := l.Frame()
			n, msg, ok := bytes.Cut(frame, []byte(" "))
			if !ok || strconv.Itoa(len(msg)) != string(n) {
				t.Fatalf("seed %d line %d: bad octet-counted frame %q", seed, i, frame)
			}
			ev := logevent.New("syslog/tcp", time.Now(), msg)
			if reason := sp.Parse(msg, &ev); reason != "" {
				t.Fatalf("seed %d line %d: syslog header did not parse (%s): %s", seed, i, reason, msg)
			}
			if ev.AppName != l.App || ev.Hostname != l.Host || ev.Message != l.Message {
				t.Fatalf("seed %d line %d: parsed app %q host %q message %q, want %q %q %q", seed, i, ev.AppName, ev.Hostname, ev.Message, l.App, l.Host, l.Message)
			}
			alerts, rule, err := eng.Process(&ev)
			if err != nil {
				t.Fatalf("seed %d line %d: rule %s: %v\n%s", seed, i, rule, err, msg)
			}
			if rule != l.Rule {
				t.Fatalf("seed %d line %d: recognised by %q, want %q\n%s", seed, i, rule, l.Rule, msg)
			}
			for _, a := range alerts {
				if rep := a.Validate(); !rep.Valid() {
					t.Fatalf("seed %d line %d (rule %s): invalid alert: %v", seed, i, rule, rep.Errors())
				}
			}
			seen[rule]++
		}
	}
	for _, want := range []string{"", "sshd.failed-password", "sshd.failed-password.invalid-user", "sshd.invalid-user", "sshd.accepted",
		"sshd.session", "sshd.disconnect", "sshd.preauth-disconnect", "sudo.command", "sudo.not-in-sudoers", "sudo.password-attempts", "sudo.auth-failure", "sudo.session",
		"web.admin-denied", "web.scanner-path", "web.scanner-agent", "web.client-error", "web.access",
		"netfilter.drop", "netfilter.drop-noport", "postfix.sasl-failed", "postfix.connection",
		"dovecot.auth-failed", "dovecot.unknown-user", "dovecot.login"} {
		if seen[want] == 0 {
			t.Errorf("no generated line for rule %q (seen: %v)", want, seen)
		}
	}
}

// TestLogsStartWithBruteForce checks the opening scenario the demo relies
// on: failures by ListedAttacker for OpeningUser, five or more, then its
// successful login.
func TestLogsStartWithBruteForce(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		g := NewLogs(LogOptions{Seed: seed, Now: fixedClock()})
		failures := 0
		for {
			l := g.Next()
			if l.Rule == "sshd.failed-password" && strings.HasPrefix(l.Message, "Failed password for "+OpeningUser+" from "+ListedAttacker+" ") {
				failures++
			}
			if l.Rule == "sshd.preauth-disconnect" {
				t.Fatalf("seed %d: the first scenario gave up: %s", seed, l.Message)
			}
			if l.Rule == "sshd.accepted" {
				if want := "Accepted password for " + OpeningUser + " from " + ListedAttacker + " "; !strings.HasPrefix(l.Message, want) {
					t.Errorf("seed %d: first scenario's login is %q, want %q…", seed, l.Message, want)
				}
				break
			}
		}
		if failures < 5 {
			t.Errorf("seed %d: %d failed passwords before the end of the first scenario, want >= 5", seed, failures)
		}
	}
}

func TestLogsDeterministicForSeed(t *testing.T) {
	lines := func(seed uint64) []byte {
		g := NewLogs(LogOptions{Seed: seed, Now: fixedClock()})
		var b bytes.Buffer
		for range 500 {
			b.Write(g.Next().Frame())
		}
		return b.Bytes()
	}
	if !bytes.Equal(lines(5), lines(5)) {
		t.Error("same seed, different lines")
	}
	if bytes.Equal(lines(5), lines(6)) {
		t.Error("different seeds, same lines")
	}
}

func TestLogsRunCount(t *testing.T) {
	g := NewLogs(LogOptions{Seed: 3})
	var got int
	n, err := g.Run(context.Background(), 250, 0, func(LogLine) error { got++; return nil })
	if err != nil || n != 250 || got != 250 {
		t.Fatalf("Run: n=%d got=%d err=%v", n, got, err)
	}
}

func BenchmarkLogLine(b *testing.B) {
	g := NewLogs(LogOptions{Seed: 1})
	b.ReportAllocs()
	for b.Loop() {
		_ = g.Next().Frame()
	}
}
