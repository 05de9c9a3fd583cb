package parse

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/elastic/go-grok"

	"github.com/vigie-siem/vigie/internal/cputime"
	"github.com/vigie-siem/vigie/internal/logevent"
)

// corpus generates n events of a mixed sshd / web access / firewall log,
// reproducibly from seed: mostly ordinary traffic, some attacks, some
// lines no rule knows.
func corpus(n int, seed uint64) []*logevent.Event {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	ip := func() string {
		return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
	users := []string{"root", "admin", "alice", "bob", "deploy", "oracle", "test", "ubuntu"}
	paths := []string{"/", "/index.html", "/static/app.js", "/api/v1/items?page=2", "/login", "/img/logo.png"}
	probes := []string{"/.env", "/wp-login.php", "/.git/config", "/phpmyadmin/index.php", "/cgi-bin/luci"}
	received := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	out := make([]*logevent.Event, 0, n)
	for i := 0; i < n; i++ {
		var prog, msg string
		switch k := r.IntN(100); {
		case k < 40: // web access
			prog = "nginx"
			path, status := paths[r.IntN(len(paths))], 200
			switch j := r.IntN(20); {
			case j == 0:
				path, status = probes[r.IntN(len(probes))], 404
			case j < 3:
				status = 404
			case j < 5:
				status = 304
			}
			msg = fmt.Sprintf(`%s - - [23/Nov/2026:10:%02d:%02d +0100] "GET %s HTTP/1.1" %d %d "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"`,
				ip(), r.IntN(60), r.IntN(60), path, status, r.IntN(50000))
		case k < 75: // sshd
			prog = "sshd"
			u, a, p := users[r.IntN(len(users))], ip(), 1024+r.IntN(60000)
			switch j := r.IntN(10); {
			case j < 4:
				msg = fmt.Sprintf("Failed password for %s from %s port %d ssh2", u, a, p)
			case j < 5:
				msg = fmt.Sprintf("Failed password for invalid user %s from %s port %d ssh2", u, a, p)
			case j < 6:
				msg = fmt.Sprintf("Invalid user %s from %s port %d", u, a, p)
			case j < 7:
				msg = fmt.Sprintf("Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:c2FtcGxlIGtleQ", u, a, p)
			case j < 8:
				msg = fmt.Sprintf("pam_unix(sshd:session): session opened for user %s(uid=1000) by (uid=0)", u)
			case j < 9:
				msg = fmt.Sprintf("Received disconnect from %s port %d:11: disconnected by user", a, p)
			default:
				msg = fmt.Sprintf("Connection reset by %s port %d [preauth]", a, p)
			}
		default: // firewall
			prog = "kernel"
			prefix := "[UFW BLOCK] "
			if r.IntN(3) == 0 {
				prefix = "iptables-dropped: "
			}
			msg = fmt.Sprintf("%sIN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=%s DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=%d ID=%d DF PROTO=TCP SPT=%d DPT=%d WINDOW=29200 RES=0x00 SYN URGP=0",
				prefix, ip(), 30+r.IntN(200), r.IntN(65536), 1024+r.IntN(60000), []int{22, 23, 80, 443, 3389, 8080}[r.IntN(6)])
		}
		ev := logevent.New("syslog/udp", received, []byte(msg))
		ev.AppName, ev.Hostname = prog, "srv1"
		out = append(out, &ev)
	}
	return out
}

// grokBaseline is the plain approach: every shipped Grok pattern, tried
// with go-grok on each line until one matches.
func grokBaseline(tb testing.TB, e *Engine) []*grok.Grok {
	var out []*grok.Grok
	seen := map[string]bool{}
	for _, s := range e.sets {
		for _, r := range s.rules {
			if r.pat == nil || r.pat.grok == nil || seen[r.pat.src] {
				continue
			}
			seen[r.pat.src] = true
			g, err := grok.NewComplete()
			if err != nil {
				tb.Fatal(err)
			}
			if err := g.Compile(r.pat.src, true); err != nil {
				tb.Fatal(err)
			}
			out = append(out, g)
		}
	}
	return out
}

// withoutScanner returns the engine with every pattern on its regular
// expression, to show what the scanner brings.
func withoutScanner(tb testing.TB) *Engine {
	e := builtin(tb)
	for _, s := range e.sets {
		for _, r := range s.rules {
			if r.pat != nil {
				r.pat.fast = nil
			}
		}
	}
	return e
}

// reportRates reports lines per wall-clock second and per CPU-second
// since cpu0.
func reportRates(b *testing.B, cpu0 time.Duration, matched int) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	if cpu := cputime.Process() - cpu0; cpu > 0 && cpu0 > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "lines/cpu-s")
	}
	b.ReportMetric(float64(matched)/float64(b.N), "matched/line")
}

// BenchmarkMixedCorpus compares, in one run, Vigie's engine (pre-filter,
// scanner, alert building and V08 validation included) with a plain
// go-grok loop that only extracts fields.
func BenchmarkMixedCorpus(b *testing.B) {
	events := corpus(10000, 42)
	lines := make([]string, len(events))
	for i, ev := range events {
		lines[i] = ev.Message
	}
	run := func(b *testing.B, e *Engine) {
		b.ReportAllocs()
		matched := 0
		cpu0 := cputime.Process()
		for i := 0; b.Loop(); i++ {
			_, id, err := e.Process(events[i%len(events)])
			if err != nil {
				b.Fatal(err)
			}
			if id != "" {
				matched++
			}
		}
		reportRates(b, cpu0, matched)
	}
	b.Run("vigie", func(b *testing.B) { run(b, builtin(b)) })
	b.Run("vigie-regexp-only", func(b *testing.B) { run(b, withoutScanner(b)) })
	b.Run("grok-baseline", func(b *testing.B) {
		gs := grokBaseline(b, builtin(b))
		b.ReportAllocs()
		matched := 0
		cpu0 := cputime.Process()
		for i := 0; b.Loop(); i++ {
			line := lines[i%len(lines)]
			for _, g := range gs {
				if m, _ := g.ParseString(line); len(m) > 0 {
					matched++
					break
				}
			}
		}
		reportRates(b, cpu0, matched)
	})
}

// BenchmarkProcessSSHD is one sshd failed-password line end to end.
func BenchmarkProcessSSHD(b *testing.B) {
	e := builtin(b)
	ev := syslogEvent("sshd", "Failed password for root from 203.0.113.7 port 52144 ssh2")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := e.Process(ev); err != nil {
			b.Fatal(err)
		}
	}
}
