package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/server"
)

// flushTimeout bounds the final flush of queued alerts after an interrupt.
const flushTimeout = 10 * time.Second

func newDemoCmd() *cobra.Command {
	var (
		f        serveFlags
		rate     float64
		count    int
		seed     uint64
		interval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run Vigie (vigie serve) with built-in demo traffic",
		Long: `Run the whole SIEM, exactly as "vigie serve" does, plus a generator that sends it
realistic IDMEFv2 alerts over HTTP as a sensor (with its own sensor token), so that a
first run shows a populated system: search it with the REST API while it runs.

A summary of what is stored is printed every --interval. Stop with Ctrl-C; with
--count, the demo stops by itself once that many alerts are stored.`,
		Example: `  go run ./cmd/vigie demo
  VIGIE_ADMIN_PASSWORD='correct horse battery' vigie demo --data-dir ./demo-data --rate 50`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.load(cmd)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("rate") {
				rate = cfg.Demo.Rate
			}
			ctx, stop := context.WithCancel(cmd.Context())
			defer stop()
			return runServer(ctx, cmd, cfg, func(srv *server.Server) error {
				err := runDemoTraffic(ctx, cmd.OutOrStdout(), srv, rate, count, seed, interval)
				stop()
				return err
			})
		},
	}
	f.register(cmd)
	fs := cmd.Flags()
	fs.Float64Var(&rate, "rate", 20, "alerts per second (0: as fast as possible; default demo.rate)")
	fs.IntVarP(&count, "count", "n", 0, "stop once this many alerts are stored (0: run until interrupted)")
	fs.Uint64Var(&seed, "seed", uint64(time.Now().UnixNano()), "random seed for the traffic")
	fs.DurationVar(&interval, "interval", 2*time.Second, "how often to print the summary")
	return cmd
}

// runDemoTraffic sends generated alerts to srv's ingest as the sensor
// "vigie-demo" and prints what the store holds every interval.
func runDemoTraffic(ctx context.Context, out io.Writer, srv *server.Server, rate float64, count int, seed uint64, interval time.Duration) error {
	token, err := srv.IssueSensorToken(ctx, "vigie-demo")
	if err != nil {
		return err
	}
	c, err := transport.NewClient(transport.ClientOptions{URL: "http://" + server.URLHost(srv.IngestAddr()) + "/", BearerToken: transport.Secret(token), UserAgent: "vigie-demo/" + version})
	if err != nil {
		return err
	}
	defer c.Close()
	var sendErr atomic.Pointer[error] // the first send failure
	b, err := transport.NewBatcher(c, transport.BatcherOptions{MaxItems: 200, MaxDelay: 200 * time.Millisecond,
		OnResult: func(_ [][]byte, _ []transport.ItemResult, err error) {
			if err != nil {
				sendErr.CompareAndSwap(nil, &err)
			}
		}})
	if err != nil {
		return err
	}
	g, err := alertgen.New(alertgen.Options{Seed: seed})
	if err != nil {
		return err
	}
	api := "http://" + server.URLHost(srv.APIAddr())
	fmt.Fprintf(out, "Vigie demo: sending %s alerts/s as sensor vigie-demo. Try:\n  curl -u \"admin:$VIGIE_ADMIN_PASSWORD\" '%s/api/v1/alerts?q=Priority%%3DHigh&limit=5'\n  curl -u \"admin:$VIGIE_ADMIN_PASSWORD\" '%s/api/v1/alerts/groups?path=Category&path=Source.IP'\nCtrl-C to stop.\n\n", fmtRate(rate), api, api)

	genDone := make(chan error, 1)
	go func() {
		_, err := g.Run(ctx, count, rate, func(a *idmefv2.Alert) error {
			data, err := idmefv2.Encode(a)
			if err != nil {
				return err
			}
			return b.Add(ctx, data)
		})
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
		defer cancel()
		if cerr := b.Close(fctx); err == nil {
			err = cerr
		}
		genDone <- err
	}()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	last, lastAt := 0, time.Now()
	report := func() int {
		st, err := srv.Stats(ctx)
		if err != nil {
			return last
		}
		now := time.Now()
		fmt.Fprintf(out, "%s  %d alerts stored (%.0f/s) · %s · %d dead letters\n", now.Format("15:04:05"), st.Total,
			float64(st.Total-last)/now.Sub(lastAt).Seconds(), topCounts(st.ByPriority, 5), st.DeadLetters)
		last, lastAt = st.Total, now
		return st.Total
	}
	generated := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-genDone:
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("demo traffic: %w", err)
			}
			if p := sendErr.Load(); p != nil && !errors.Is(*p, context.Canceled) {
				return fmt.Errorf("demo traffic: %w", *p)
			}
			generated = true
			genDone = nil
		case <-tick.C:
			if total := report(); generated && count > 0 && total >= count {
				return nil
			}
		}
	}
}

func fmtRate(r float64) string {
	if r <= 0 {
		return "as many"
	}
	return fmt.Sprintf("%g", r)
}

// topCounts formats the n largest counts as "k1 12, k2 7".
func topCounts(m map[string]int, n int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	parts := make([]string, 0, n)
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s %d", cmp.Or(k, "no priority"), m[k]))
	}
	return strings.Join(parts, ", ")
}
