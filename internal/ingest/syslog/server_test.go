package syslog

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vigie-siem/vigie/internal/logevent"
)

// collector is a Handler that keeps what it gets; block makes it wait.
type collector struct {
	mu    sync.Mutex
	evs   []logevent.Event
	block chan struct{}
}

func (c *collector) Handle(ctx context.Context, evs []logevent.Event) error {
	if c.block != nil {
		<-c.block
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evs = append(c.evs, evs...)
	return nil
}

func (c *collector) wait(t *testing.T, n int) []logevent.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		if len(c.evs) >= n {
			out := append([]logevent.Event(nil), c.evs...)
			c.mu.Unlock()
			return out
		}
		c.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Fatalf("got %d events, want %d", len(c.evs), n)
	return nil
}

func start(t *testing.T, o Options) (*Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	o.Registerer = reg
	if o.TCPAddr == "" && o.UDPAddr == "" {
		o.TCPAddr, o.UDPAddr = "127.0.0.1:0", "127.0.0.1:0"
	}
	if o.BatchDelay == 0 {
		o.BatchDelay = 10 * time.Millisecond
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return s, reg
}

func send(t *testing.T, network string, addr net.Addr, data string) {
	t.Helper()
	c, err := net.Dial(network, addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
}

func TestListeners(t *testing.T) {
	c := &collector{}
	s, reg := start(t, Options{Handler: c, MaxMessageBytes: 256})
	m5424 := `<34>1 2026-11-23T10:00:00Z web01 sshd 12 - - Failed password for root`
	m3164 := `<38>Nov 23 10:00:01 fw01 sshd[9]: Accepted publickey`
	send(t, "tcp", s.TCPAddr(), fmt.Sprintf("%d %s%d %s", len(m5424), m5424, len(m3164), m3164))
	send(t, "tcp", s.TCPAddr(), m5424+"\n"+m3164+"\r\nnot syslog at all\n"+"<13>"+strings.Repeat("y", 300)+"\n")
	send(t, "udp", s.UDPAddr(), m3164+"\n")
	evs := c.wait(t, 7)

	byInput := map[string]int{}
	hosts := map[string]int{}
	for _, ev := range evs {
		byInput[ev.Input]++
		hosts[ev.Hostname]++
		if ev.Peer == "" || ev.Received.IsZero() || len(ev.Raw) == 0 {
			t.Errorf("event without peer, received time or raw: %+v", ev)
		}
	}
	if byInput["syslog/tcp"] != 6 || byInput["syslog/udp"] != 1 {
		t.Errorf("inputs = %v, want 6 tcp and 1 udp", byInput)
	}
	if hosts["web01"] != 2 || hosts["fw01"] != 3 {
		t.Errorf("hosts = %v, want web01 ×2 and fw01 ×3", hosts)
	}
	if got := testutil.ToFloat64(s.m.unparsed.WithLabelValues("syslog/tcp")); got != 1 {
		t.Errorf("unparsed = %v, want 1", got)
	}
	if got := testutil.ToFloat64(s.m.truncated.WithLabelValues("syslog/tcp")); got != 1 {
		t.Errorf("truncated = %v, want 1", got)
	}
	for _, ev := range evs {
		if strings.HasPrefix(ev.Message, "not syslog") && ev.Structured[ParseErrorSDID][ParseErrorParam] == "" {
			t.Errorf("unparsed event has no reason: %+v", ev)
		}
		if len(ev.Raw) > 256 {
			t.Errorf("raw of %d bytes beyond the 256-byte limit", len(ev.Raw))
		}
	}
	if n, err := testutil.GatherAndCount(reg, "vigie_syslog_messages_received_total"); err != nil || n != 2 {
		t.Errorf("received series = %d, %v; want 2 (tcp, udp)", n, err)
	}
}

// TestBackPressure: while the handler is blocked, a TCP sender stops
// being read (the queue holds at most QueueSize), and everything arrives
// once it resumes.
func TestBackPressure(t *testing.T) {
	c := &collector{block: make(chan struct{})}
	s, _ := start(t, Options{Handler: c, QueueSize: 4, BatchSize: 2})
	conn, err := net.Dial("tcp", s.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const n = 200
	go func() {
		for i := range n {
			fmt.Fprintf(conn, "<13>Nov 23 10:00:01 h app: message %d %s\n", i, strings.Repeat("z", 1000))
		}
	}()
	time.Sleep(200 * time.Millisecond)
	if d := s.QueueDepth(); d > 4 {
		t.Fatalf("queue depth %d beyond its size", d)
	}
	close(c.block)
	evs := c.wait(t, n)
	for i, ev := range evs[:n] {
		if want := fmt.Sprintf("message %d ", i); !strings.HasPrefix(ev.Message, want) {
			t.Fatalf("event %d = %q, want order kept", i, ev.Message[:20])
		}
	}
}

func TestConnectionLimitAndIdle(t *testing.T) {
	c := &collector{}
	s, _ := start(t, Options{Handler: c, TCPAddr: "127.0.0.1:0", MaxConnections: 1, IdleTimeout: 300 * time.Millisecond})
	first, err := net.Dial("tcp", s.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	fmt.Fprintf(first, "<13>Nov 23 10:00:01 h a: one\n")
	c.wait(t, 1)
	second, err := net.Dial("tcp", s.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	_ = second.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := second.Read(make([]byte, 1)); err == nil {
		t.Fatal("second connection beyond the limit was not closed")
	}
	if got := testutil.ToFloat64(s.m.refused); got != 1 {
		t.Errorf("refused = %v, want 1", got)
	}
	// The idle first connection is closed by the server.
	_ = first.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := first.Read(make([]byte, 1)); err == nil {
		t.Fatal("idle connection was not closed")
	}
}

// TestShutdownDrains: events queued when Run's context ends still reach
// the handler.
func TestShutdownDrains(t *testing.T) {
	c := &collector{}
	s, err := New(Options{Handler: c, TCPAddr: "127.0.0.1:0", BatchDelay: time.Hour, BatchSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	send(t, "tcp", s.TCPAddr(), "<13>Nov 23 10:00:01 h a: one\n<13>Nov 23 10:00:01 h a: two\n")
	for s.m.received.WithLabelValues("syslog/tcp") != nil && testutil.ToFloat64(s.m.received.WithLabelValues("syslog/tcp")) < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(c.evs) != 2 {
		t.Fatalf("handler got %d events at shutdown, want 2", len(c.evs))
	}
}

// countingHandler counts the log records with a given message.
type countingHandler struct {
	slog.Handler
	mu sync.Mutex
	n  map[string]int
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n[r.Message]++
	return nil
}

func (h *countingHandler) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[msg]
}

// Anyone who can reach the port can cause refused connections and framing
// errors: each is counted, but the warnings are rate-limited.
func TestPeerWarningsAreRateLimited(t *testing.T) {
	h := &countingHandler{Handler: slog.DiscardHandler, n: map[string]int{}}
	c := &collector{}
	s, _ := start(t, Options{Handler: c, TCPAddr: "127.0.0.1:0", MaxConnections: 1, Logger: slog.New(h)})
	first, err := net.Dial("tcp", s.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(first, "<13>Nov 23 10:00:01 h a: one\n")
	c.wait(t, 1)
	const floods = 30
	for range floods {
		extra, err := net.Dial("tcp", s.TCPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = extra.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _ = extra.Read(make([]byte, 1)) // closed by the server
		extra.Close()
	}
	if got := testutil.ToFloat64(s.m.refused); got != floods {
		t.Errorf("refused = %v, want %d", got, floods)
	}
	if n := h.count("syslog: too many connections; closing the new one (logged at most every 10s)"); n != 1 {
		t.Errorf("%d warnings for %d refused connections, want 1", n, floods)
	}
	first.Close()
}
