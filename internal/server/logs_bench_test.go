package server

import (
	"bufio"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/config"
)

// delivered reads vigie_syslog_events_delivered_total: events stored.
func delivered(b *testing.B, srv *Server) float64 {
	mfs, err := srv.reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "vigie_syslog_events_delivered_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

// BenchmarkSyslogToStore measures syslog messages per second from one TCP
// sender to the raw-event store (framing, parsing, batching, SQLite with
// FTS5), without parsing rules.
func BenchmarkSyslogToStore(b *testing.B) {
	srv, stop := startServerWith(b, func(c *config.Config) { c.Inputs.BatchSize = 1000 }, nil)
	defer stop()
	conn, err := net.Dial("tcp", srv.SyslogTCPAddr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	w := bufio.NewWriterSize(conn, 64<<10)
	b.ResetTimer()
	for i := range b.N {
		msg := fmt.Sprintf("<38>Nov 23 10:00:01 web%02d sshd[%d]: Failed password for root from 198.51.100.%d port %d ssh2", i%50, i, i%250, 40000+i%20000)
		fmt.Fprintf(w, "%d %s", len(msg), msg)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	for delivered(b, srv) < float64(b.N) {
		time.Sleep(5 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
