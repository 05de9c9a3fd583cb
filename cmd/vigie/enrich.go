package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/enrich"
	"github.com/vigie-siem/vigie/internal/server"
)

// newEnrichCmd groups the enrichment tools.
func newEnrichCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "enrich", Short: "Enrichment tools: see what the configured enrichers add to an alert"}
	cmd.AddCommand(newEnrichTestCmd())
	return cmd
}

func newEnrichTestCmd() *cobra.Command {
	var f serveFlags
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "test [--config FILE] [--wait D] ALERT.json",
		Short: "Run the configured enrichers over one alert and print what each adds",
		Long: `Builds the enrichers of the configuration (assets, directory, dns, geoip, cti), runs
them over the alert one after the other and prints, per enricher, the attributes it adds
or changes (+ added, ~ changed, - removed), then the enriched alert's validity. Remote
look-ups are waited for up to --wait, unlike in the pipeline.`,
		Example: `  vigie enrich test --config /etc/vigie/vigie.yaml alert.json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.load(cmd)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return usageErrorf("%v", err)
			}
			if _, err := idmefv2.Decode(data); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			cfg.Enrich.Budget = config.Duration(wait)
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			e, err := server.BuildEnrichment(cmd.Context(), cfg, log, nil)
			if err != nil {
				return err
			}
			defer e.Close()
			if e.Chain == nil {
				fmt.Fprintln(cmd.OutOrStdout(), "no enricher is configured (see docs/ENRICHMENT.md)")
				return nil
			}
			return enrichTest(cmd, e.Chain.Steps(), data)
		},
	}
	f.register(cmd)
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Second, "how long to wait for each remote look-up")
	return cmd
}

// enrichTest runs the chains steps[:1], steps[:2]… over fresh copies of
// the alert and prints what each step added to the previous result.
func enrichTest(cmd *cobra.Command, steps []enrich.Step, data []byte) error {
	out := cmd.OutOrStdout()
	prev, err := flatJSON(data)
	if err != nil {
		return err
	}
	var last *idmefv2.Alert
	for i, st := range steps {
		a, err := idmefv2.Decode(data)
		if err != nil {
			return err
		}
		if err := enrich.NewChain(nil, steps[:i+1]...).Enrich(cmd.Context(), a); err != nil {
			fmt.Fprintf(out, "== %s: %v\n", st.Name(), err)
			continue
		}
		enc, err := idmefv2.Encode(a)
		if err != nil {
			return err
		}
		cur, err := flatJSON(enc)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "== %s\n", st.Name())
		if n := printDiff(out, prev, cur); n == 0 {
			fmt.Fprintln(out, "  (nothing)")
		}
		prev, last = cur, a
	}
	if last != nil {
		if r := last.Validate(); r.Valid() {
			fmt.Fprintln(out, "== result: valid", last.Version)
		} else {
			fmt.Fprintln(out, "== result: INVALID:", r.Errors()[0])
			return &exitError{code: 1}
		}
	}
	return nil
}

// flatJSON maps every leaf of a JSON document to its path.
func flatJSON(data []byte) (map[string]string, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("alert JSON: %w", err)
	}
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(p, c)
			}
		case []any:
			for i, c := range x {
				walk(path+"["+strconv.Itoa(i)+"]", c)
			}
		default:
			b, _ := json.Marshal(x)
			out[path] = string(b)
		}
	}
	walk("", v)
	return out, nil
}

// printDiff prints the leaves added (+), changed (~) and removed (-) from
// a to b, sorted by path, and returns how many.
func printDiff(w io.Writer, a, b map[string]string) int {
	var lines []string
	for p, v := range b {
		switch old, ok := a[p]; {
		case !ok:
			lines = append(lines, "  + "+p+": "+v)
		case old != v:
			lines = append(lines, "  ~ "+p+": "+old+" → "+v)
		}
	}
	for p, v := range a {
		if _, ok := b[p]; !ok {
			lines = append(lines, "  - "+p+": "+v)
		}
	}
	slices.SortFunc(lines, func(x, y string) int { return strings.Compare(x[4:], y[4:]) })
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	return len(lines)
}
