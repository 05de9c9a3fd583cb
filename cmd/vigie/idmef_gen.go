package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/alertgen"
)

func newIdmefGenCmd() *cobra.Command {
	var (
		count  int
		rate   float64
		seed   uint64
		kinds  []string
		ipv6   float64
		pretty bool
		cf     clientFlags
	)
	cmd := &cobra.Command{
		Use:   "gen",
		Short: "Generate realistic, valid IDMEFv2 alerts for demos and load",
		Long: `Generate realistic 2.D.V08 alerts — brute force, scans, web attacks, malware,
phishing, data theft (cyber); intrusions and fire (physical); outages, overload and
denial of service (availability) — with IPv4 and IPv6 addresses, users, hosts, services
and attachments. Attacks come in bursts, so aggregation and correlation find something.

Alerts are printed on stdout, one JSON object per line, or sent with --url to an
IDMEFv2 receiver. The same --seed gives the same scenarios.`,
		Example: `  vigie idmef gen --count 5
  vigie idmef gen --count 0 --rate 200 --url http://127.0.0.1:4690/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := alertgen.New(alertgen.Options{Seed: seed, Kinds: toKinds(kinds), IPv6Fraction: ipv6})
			if err != nil {
				return usageErrorf("%v", err)
			}
			ctx := cmd.Context()
			if cf.url == "" {
				out := cmd.OutOrStdout()
				_, err := g.Run(ctx, count, rate, func(a *idmefv2.Alert) error {
					b, err := encodeAlert(a, pretty)
					if err != nil {
						return err
					}
					_, err = out.Write(append(b, '\n'))
					return err
				})
				return ignoreCancel(ctx, err)
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			defer c.Close()
			st := &sendStats{w: cmd.ErrOrStderr()}
			b, err := transport.NewBatcher(c, cf.batcherOptions(st.onResult))
			if err != nil {
				return usageErrorf("%v", err)
			}
			_, err = g.Run(ctx, count, rate, func(a *idmefv2.Alert) error {
				data, err := idmefv2.Encode(a)
				if err != nil {
					return err
				}
				return b.Add(ctx, data)
			})
			// Flush what was generated, even after an interrupt.
			flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
			defer cancel()
			if cerr := b.Close(flushCtx); cerr != nil && err == nil {
				err = fmt.Errorf("flush: %w", cerr)
			}
			fmt.Fprintln(cmd.ErrOrStderr(), st)
			if err := ignoreCancel(ctx, err); err != nil {
				return err
			}
			if st.rejected+st.failed > 0 {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.IntVarP(&count, "count", "n", 10, "alerts to generate (0: until interrupted)")
	fs.Float64Var(&rate, "rate", 0, "alerts per second (0: as fast as possible)")
	fs.Uint64Var(&seed, "seed", 1, "random seed: the same seed gives the same scenarios")
	fs.StringSliceVar(&kinds, "kinds", nil, "scenario families: cyber, physical, availability (default all)")
	fs.Float64Var(&ipv6, "ipv6", 0, "share of external addresses that are IPv6, 0–1 (default 0.15)")
	fs.BoolVar(&pretty, "pretty", false, "indent printed alerts")
	cf.register(cmd, false)
	return cmd
}

func toKinds(names []string) []alertgen.Kind {
	out := make([]alertgen.Kind, 0, len(names))
	for _, n := range names {
		out = append(out, alertgen.Kind(strings.ToLower(strings.TrimSpace(n))))
	}
	return out
}

func encodeAlert(a *idmefv2.Alert, pretty bool) ([]byte, error) {
	if pretty {
		return json.MarshalIndent(a, "", "  ")
	}
	return idmefv2.Encode(a)
}

// ignoreCancel treats the end of ctx (Ctrl-C) as a normal end of a command
// that runs until interrupted.
func ignoreCancel(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return nil
	}
	return err
}
