package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/connectors"
	"github.com/vigie-siem/vigie/internal/logevent"
	"github.com/vigie-siem/vigie/internal/sharedtest"
	"github.com/vigie-siem/vigie/internal/store"
)

// sshdRule stands in for the parsing rules: "Failed password" lines become
// an alert; lines with "BROKEN" match but fail to map.
type sshdRule struct {
	mu  sync.Mutex
	ids map[string]string // message → alert ID
}

func (r *sshdRule) Process(ev *logevent.Event) ([]*idmefv2.Alert, string, error) {
	switch {
	case strings.Contains(ev.Message, "BROKEN"):
		return nil, "test-broken", errors.New("no source address in the message")
	case !strings.Contains(ev.Message, "Failed password"):
		return nil, "", nil
	}
	id, err := idmefv2.NewID()
	if err != nil {
		return nil, "", err
	}
	at := ev.Time
	if at.IsZero() {
		at = ev.Received
	}
	a := &idmefv2.Alert{
		Version: idmefv2.VersionV08, ID: id, CreateTime: idmefv2.FormatTime(at), Priority: idmefv2.PriorityMedium,
		Category: []idmefv2.Category{idmefv2.CategoryReconNetwork}, Description: ev.Message,
		Analyzer: idmefv2.Analyzer{Name: "sshd", Hostname: ev.Hostname, Category: []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategoryENDHIDS}},
		Status:   []idmefv2.Status{idmefv2.StatusEvent},
	}
	r.mu.Lock()
	r.ids[ev.Message] = id
	r.mu.Unlock()
	return []*idmefv2.Alert{a}, "test-sshd", nil
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func allEvents(t *testing.T, srv *Server) []store.Event {
	t.Helper()
	p, err := srv.store.Events(t.Context(), store.EventFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return p.Events
}

// TestSyslogToStore sends RFC 5424 and RFC 3164 messages over TCP (octet
// counting and LF framing) and UDP to the real listener and finds them in
// the raw-event store and through GET /api/v1/events; the matched one
// becomes a stored alert and the failed mapping a dead letter.
func TestSyslogToStore(t *testing.T) {
	rule := &sshdRule{ids: map[string]string{}}
	srv, stop := startServerWith(t, func(c *config.Config) { c.Store.FlushInterval = config.Duration(20 * time.Millisecond) }, rule)
	defer stop()

	m5424 := `<34>1 2026-11-23T10:00:00Z web01 sshd 812 - - Failed password for root from 198.51.100.7 port 22 ssh2`
	m3164 := `<38>Nov 23 10:00:01 fw01 kernel: DROP SRC=198.51.100.7`
	conn, err := net.Dial("tcp", srv.SyslogTCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "%d %s%d %s", len(m5424), m5424, len(m3164), m3164)
	conn.Close()
	conn, err = net.Dial("tcp", srv.SyslogTCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "<38>Nov 23 10:00:02 db01 postgres[7]: checkpoint complete\n<13>Nov 23 10:00:03 web02 app: BROKEN line\n")
	w.Flush()
	conn.Close()
	udp, err := net.Dial("udp", srv.SyslogUDPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(udp, "<38>Nov 23 10:00:04 nas01 smbd: session closed")
	udp.Close()

	waitFor(t, "5 raw events", func() bool { return len(allEvents(t, srv)) >= 5 })
	byHost := map[string]store.Event{}
	for _, e := range allEvents(t, srv) {
		byHost[e.Host] = e
	}
	web := byHost["web01"]
	if web.Input != "syslog/tcp" || web.App != "sshd" || web.RuleID != "test-sshd" || web.AlertID == "" || web.Severity != 2 {
		t.Errorf("web01 event = %+v, want the rule and its alert recorded", web)
	}
	if e := byHost["nas01"]; e.Input != "syslog/udp" || e.App != "smbd" || e.RuleID != "" {
		t.Errorf("nas01 event = %+v", e)
	}
	if e := byHost["web02"]; e.RuleID != "test-broken" || e.AlertID != "" {
		t.Errorf("web02 event = %+v, want its rule and no alert", e)
	}
	for _, h := range []string{"fw01", "db01"} {
		if _, ok := byHost[h]; !ok {
			t.Errorf("no event from %s", h)
		}
	}
	// The alert went through the bus to the store.
	waitFor(t, "the alert in the store", func() bool {
		_, err := srv.store.Alert(t.Context(), web.AlertID)
		return err == nil
	})
	// The failed mapping is a dead letter naming the input and the rule.
	waitFor(t, "the dead letter", func() bool {
		dls, err := srv.store.DeadLetters(t.Context(), store.DeadLetterFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dls {
			if strings.Contains(d.Reason, "rule test-broken: no source address") && d.Sender == "input:syslog/tcp" && strings.Contains(string(d.Raw), "BROKEN") {
				return true
			}
		}
		return false
	})
	var page struct {
		Events []struct {
			Host, Input, Message string
		} `json:"events"`
	}
	if code := apiGet(t, srv, "/api/v1/events?q=checkpoint&input=syslog/tcp", &page); code != 200 || len(page.Events) != 1 || page.Events[0].Host != "db01" {
		t.Errorf("GET /api/v1/events = %d %+v", code, page)
	}
	if code := apiGet(t, srv, "/api/v1/events?around="+web.AlertID+"&window=1h", &page); code != 200 || len(page.Events) != 1 || page.Events[0].Host != "web01" {
		t.Errorf("events around the alert = %d %+v", code, page)
	}
}

// TestToolFileInput follows a Suricata EVE file: alert lines become
// stored alerts, every line a raw event, a malformed line a dead letter
// naming FILE:LINE.
func TestToolFileInput(t *testing.T) {
	src := filepath.Join(sharedtest.Dir(t, "idmefv2", "connectors", "suricata"), "eve.json")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	eve := filepath.Join(dir, "eve.json")
	if err := os.WriteFile(eve, data, 0o600); err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(strings.TrimSpace(string(data)), "\n") + 1
	// The alerts the connector makes of the file on its own.
	conv, _ := connectors.Lookup("suricata")
	alerts := 0
	for l := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
		if a, err := conv.Convert([]byte(l)); err == nil && a != nil {
			alerts++
		}
	}
	if alerts == 0 {
		t.Fatal("the sample has no alert")
	}
	srv, stop := startServerWith(t, func(c *config.Config) {
		c.Inputs.Syslog.Enabled = false
		c.Inputs.Files = []config.FileInput{{Path: eve, Format: config.FileFormatJSONL, Tool: "suricata", TimeField: "timestamp"}}
		c.Inputs.FilePoll = config.Duration(50 * time.Millisecond)
		c.Store.FlushInterval = config.Duration(20 * time.Millisecond)
		// The sample dates from 2017–2024: keep it past the retention pass.
		c.Store.Retention.MaxAge, c.Events.Retention.MaxAge = 0, 0
	}, nil)
	defer stop()
	waitFor(t, fmt.Sprintf("%d alerts", alerts), func() bool {
		st, err := srv.store.Stats(t.Context(), store.Filter{})
		if err == nil && st.Total > alerts {
			t.Fatalf("%d alerts stored, want %d", st.Total, alerts)
		}
		if dls, _ := srv.store.DeadLetters(t.Context(), store.DeadLetterFilter{}); len(dls) > 0 {
			t.Fatalf("dead letter: %s", dls[0].Reason)
		}
		return err == nil && st.Total == alerts
	})
	evs := allEvents(t, srv)
	if len(evs) != lines {
		t.Errorf("%d raw events, want one per line (%d)", len(evs), lines)
	}
	withAlert := 0
	for _, e := range evs {
		if e.AlertID != "" {
			withAlert++
			if e.RuleID != "tool:suricata" || e.Input != "file:"+eve {
				t.Errorf("event = %+v", e)
			}
		}
	}
	if withAlert != alerts {
		t.Errorf("%d events record an alert, want %d", withAlert, alerts)
	}
	f, err := os.OpenFile(eve, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, `{"event_type":"alert","timestamp":"not a time"`)
	f.Close()
	want := fmt.Sprintf("%s:%d: ", eve, lines+1)
	waitFor(t, "the dead letter of the malformed line", func() bool {
		dls, err := srv.store.DeadLetters(t.Context(), store.DeadLetterFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(dls) == 1 && strings.HasPrefix(dls[0].Reason, want) && dls[0].Sender == "input:file:"+eve
	})
}

// TestBadToolIsRefused: an unknown tool name stops New with the setting.
func TestBadToolIsRefused(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Ingest.Addr, cfg.HTTP.Addr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Inputs.Syslog.Enabled = false
	cfg.Inputs.Files = []config.FileInput{{Path: "/var/log/x.json", Format: config.FileFormatJSONL, Tool: "snort3000"}}
	_, err := New(t.Context(), Options{Config: cfg, Notice: io.Discard, Getenv: func(string) string { return testPassword }})
	if err == nil || !strings.Contains(err.Error(), "inputs.files[0].tool") || !strings.Contains(err.Error(), "suricata") {
		t.Fatalf("err = %v, want one naming inputs.files[0].tool and the known tools", err)
	}
}
