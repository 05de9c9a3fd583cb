package syslog

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/logevent"
)

type counting struct{ n atomic.Int64 }

func (c *counting) Handle(_ context.Context, evs []logevent.Event) error {
	c.n.Add(int64(len(evs)))
	return nil
}

// BenchmarkTCP measures messages per second from one TCP sender through
// framing, parsing and batching to the handler.
func BenchmarkTCP(b *testing.B) {
	for _, tc := range []struct{ name, msg string }{
		{"rfc5424", `<34>1 2026-11-23T10:00:00.123Z web01 sshd 1234 - [meta@1 a="b"] Failed password for root from 192.0.2.7 port 22 ssh2`},
		{"rfc3164", `<38>Nov 23 10:00:01 fw01 sshd[999]: Accepted publickey for alice from 192.0.2.8 port 51000 ssh2`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := &counting{}
			s, err := New(Options{Handler: h, TCPAddr: "127.0.0.1:0", BatchDelay: 10 * time.Millisecond})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			conn, err := net.Dial("tcp", s.TCPAddr().String())
			if err != nil {
				b.Fatal(err)
			}
			w := bufio.NewWriterSize(conn, 64<<10)
			frame := fmt.Sprintf("%d %s", len(tc.msg), tc.msg)
			b.SetBytes(int64(len(frame)))
			b.ResetTimer()
			for range b.N {
				w.WriteString(frame)
			}
			w.Flush()
			for h.n.Load() < int64(b.N) {
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			conn.Close()
			cancel()
			<-done
		})
	}
}

func BenchmarkParse(b *testing.B) {
	raw := []byte(`<34>1 2026-11-23T10:00:00.123Z web01 sshd 1234 - - Failed password for root from 192.0.2.7 port 22 ssh2`)
	p := NewParser(nil)
	b.ReportAllocs()
	for range b.N {
		ev := logevent.New("syslog/tcp", time.Time{}, raw)
		p.Parse(raw, &ev)
	}
}
