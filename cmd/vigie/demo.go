package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/alertgen"
)

// flushTimeout bounds the final flush of queued alerts after an interrupt.
const flushTimeout = 10 * time.Second

func newDemoCmd() *cobra.Command {
	var (
		listen   string
		rate     float64
		count    int
		seed     uint64
		interval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run Vigie with demo traffic: generated alerts sent over HTTP to a validating receiver",
		Long: `Start an IDMEFv2 receiver (draft-lehmann-idmefv2-https-transport) on --listen, and a
generator that sends it realistic alerts over HTTP. Every alert is validated on arrival;
a summary of what arrived is printed every --interval. Other senders can post to the
same address meanwhile (vigie idmef send --url …).

Until the SIEM core (vigie serve) lands, this is the pipeline's front half: generation,
transport, validation. Stop it with Ctrl-C.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			out := cmd.OutOrStdout()
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))

			v, err := newMessageValidator("auto", true, true)
			if err != nil {
				return err
			}
			stats := newDemoStats()
			h, err := transport.NewHandler(transport.Options{
				Sink: stats, Validator: v, Rejecter: stats, Logger: logger,
			})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return usageErrorf("--listen: %v", err)
			}
			srv := transport.NewServer(h, transport.ServerOptions{Logger: logger, BaseContext: func(net.Listener) context.Context { return ctx }})
			go func() { _ = srv.Serve(ln) }()
			defer func() {
				sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
				defer scancel()
				_ = srv.Shutdown(sctx)
			}()
			url := "http://" + ln.Addr().String() + "/"
			fmt.Fprintf(out, "Vigie demo: IDMEFv2 receiver on %s, sending %s alerts/s. Ctrl-C to stop.\n", url, fmtRate(rate))
			fmt.Fprintf(out, "Send your own: vigie idmef send --url %s alert.json\n\n", url)

			c, err := transport.NewClient(transport.ClientOptions{URL: url, UserAgent: "vigie-demo/" + version})
			if err != nil {
				return err
			}
			defer c.Close()
			b, err := transport.NewBatcher(c, transport.BatcherOptions{MaxItems: 50, MaxDelay: 200 * time.Millisecond})
			if err != nil {
				return err
			}
			g, err := alertgen.New(alertgen.Options{Seed: seed})
			if err != nil {
				return err
			}
			genDone := make(chan error, 1)
			go func() {
				_, err := g.Run(ctx, count, rate, func(a *idmefv2.Alert) error {
					data, err := idmefv2.Encode(a)
					if err != nil {
						return err
					}
					return b.Add(ctx, data)
				})
				fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
				defer fcancel()
				_ = b.Close(fctx)
				genDone <- err
			}()

			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				select {
				case <-tick.C:
					stats.report(out)
				case err := <-genDone:
					stats.report(out)
					return ignoreCancel(ctx, err)
				}
			}
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&listen, "listen", "127.0.0.1:4690", "receiver listen address")
	fs.Float64Var(&rate, "rate", 20, "alerts per second (0: as fast as possible)")
	fs.IntVarP(&count, "count", "n", 0, "alerts to send before stopping (0: until interrupted)")
	fs.Uint64Var(&seed, "seed", uint64(time.Now().UnixNano()), "random seed for the traffic")
	fs.DurationVar(&interval, "interval", 2*time.Second, "how often to print the summary")
	return cmd
}

func fmtRate(r float64) string {
	if r <= 0 {
		return "as many"
	}
	return fmt.Sprintf("%g", r)
}

// demoStats is the demo receiver's sink: it counts what arrives.
type demoStats struct {
	mu         sync.Mutex
	received   int
	rejected   int
	since      int // received since the last report
	last       time.Time
	categories map[string]int
	priorities map[string]int
	latest     *idmefv2.Alert
}

func newDemoStats() *demoStats {
	return &demoStats{last: time.Now(), categories: map[string]int{}, priorities: map[string]int{}}
}

func (s *demoStats) Accept(_ context.Context, msgs []transport.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		a, err := idmefv2.Decode(m.Data)
		if err != nil {
			return fmt.Errorf("decode accepted message: %w", err)
		}
		s.received++
		s.since++
		for _, c := range a.Category {
			s.categories[string(c)]++
		}
		s.priorities[string(cmp.Or(a.Priority, "Unknown"))]++
		s.latest = a
	}
	return nil
}

func (s *demoStats) Reject(_ context.Context, rs []transport.Rejection) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected += len(rs)
	return nil
}

func (s *demoStats) report(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	r := float64(s.since) / now.Sub(s.last).Seconds()
	s.since, s.last = 0, now
	fmt.Fprintf(w, "%s  %d alerts (%.0f/s), %d rejected · priority %s · top %s\n",
		now.Format("15:04:05"), s.received, r, s.rejected, top(s.priorities, 5), top(s.categories, 3))
	if a := s.latest; a != nil {
		src, dst := "", ""
		if len(a.Source) > 0 {
			src = cmp.Or(a.Source[0].IP, a.Source[0].Hostname, a.Source[0].Email, a.Source[0].User)
		}
		if len(a.Target) > 0 {
			dst = cmp.Or(a.Target[0].Hostname, a.Target[0].IP, a.Target[0].Email, a.Target[0].Location)
		}
		fmt.Fprintf(w, "          latest: [%s] %s  %s → %s (%s)\n", a.Priority, a.Description, cmp.Or(src, "-"), cmp.Or(dst, "-"), a.Analyzer.Name)
	}
}

// top formats the n largest counts as "k1 12, k2 7".
func top(m map[string]int, n int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	parts := make([]string, 0, n)
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
