package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/correlate"
	"github.com/vigie-siem/vigie/internal/correlate/sigma"
	presets "github.com/vigie-siem/vigie/rules/correlation"
)

// newRulesCmd groups the correlation-rule tools.
func newRulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Correlation rules: check them, replay alerts through them",
	}
	cmd.AddCommand(newRulesLintCmd(), newRulesTestCmd())
	return cmd
}

// correlationRuleSources turns file and directory arguments into loader sources,
// with the presets first when asked.
func correlationRuleSources(args []string, withPresets bool) ([]correlate.Source, error) {
	var srcs []correlate.Source
	if withPresets {
		srcs = append(srcs, correlate.Source{Name: "presets", FS: presets.FS})
	}
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if fi.IsDir() {
			srcs = append(srcs, correlate.Source{Name: filepath.Clean(a), FS: os.DirFS(a)})
			continue
		}
		dir, base := filepath.Split(filepath.Clean(a))
		if dir == "" {
			dir = "."
		}
		sub, err := fs.Sub(os.DirFS(dir), ".")
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, correlate.Source{Name: strings.TrimSuffix(dir, string(filepath.Separator)), FS: oneFile{sub, base}})
	}
	return srcs, nil
}

// oneFile is a file system that shows one file of dir.
type oneFile struct {
	fs.FS
	name string
}

func (o oneFile) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, fs.ErrNotExist
	}
	fi, err := fs.Stat(o.FS, o.name)
	if err != nil {
		return nil, err
	}
	return []fs.DirEntry{fs.FileInfoToDirEntry(fi)}, nil
}

func newRulesLintCmd() *cobra.Command {
	var withPresets bool
	cmd := &cobra.Command{
		Use:   "lint RULE...",
		Short: "Check Sigma rule files (detection and correlation) and report every problem",
		Long: `Check Sigma rule files or directories (*.yml, *.yaml) the way the correlation stage
loads them: YAML, Sigma detection (with the deviations from the Sigma specification as
warnings), correlation keys, references between rules, cycles. Each problem names the
file, the line, the rule and the key.

--presets loads the shipped presets too, so that rules may reference their detections
(vigie_failed_authentication, vigie_any_alert…).

Exit status: 0 when every rule loads (warnings allowed), 1 otherwise, 2 on usage errors.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			srcs, err := correlationRuleSources(args, withPresets)
			if err != nil {
				return usageErrorf("%v", err)
			}
			out := cmd.OutOrStdout()
			rs, probs, loadErr := correlate.LoadRules(srcs, correlate.SigmaCompile)
			// Lint repeats compile errors as findings: keep them once.
			seen := map[string]bool{}
			for _, p := range probs {
				seen[fmt.Sprintf("%s:%d:%s", p.File, p.Line, p.Key)] = true
			}
			for _, p := range sigmaLint(srcs) {
				if !seen[fmt.Sprintf("%s:%d:%s", p.File, p.Line, p.Key)] {
					probs = append(probs, p)
				}
			}
			var nerr, nwarn int
			for _, p := range probs {
				if p.Warning {
					nwarn++
				} else {
					nerr++
				}
				fmt.Fprintln(out, p)
			}
			if loadErr != nil {
				var e *correlate.Error
				if !errors.As(loadErr, &e) {
					fmt.Fprintln(out, loadErr)
					nerr++
				}
				fmt.Fprintf(out, "%d errors, %d warnings: the rules do not load\n", nerr, nwarn)
				return &exitError{code: 1}
			}
			det, cor := rs.Counts()
			fmt.Fprintf(out, "%d rules (%d detection, %d correlation), %d warnings\n", det+cor, det, cor, nwarn)
			return nil
		},
	}
	cmd.Flags().BoolVar(&withPresets, "presets", false, "load the shipped preset rules too")
	return cmd
}

// sigmaLint reports what package sigma finds deviating from the Sigma
// specification in the detection rules, as warnings.
func sigmaLint(srcs []correlate.Source) []correlate.Problem {
	var out []correlate.Problem
	for _, src := range srcs {
		if src.Name == "presets" {
			continue
		}
		_ = fs.WalkDir(src.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
				return nil
			}
			data, err := fs.ReadFile(src.FS, p)
			if err != nil {
				return nil
			}
			name := filepath.Join(src.Name, p)
			docs, err := sigma.ParseNamedFile(name, data)
			if err != nil {
				return nil // LoadRules reported it
			}
			for _, doc := range docs {
				if doc.Kind != sigma.KindDetection {
					continue
				}
				for _, dg := range sigma.Lint(doc.Rule) {
					out = append(out, correlate.Problem{File: name, Line: dg.Line, Rule: dg.Rule, Key: dg.Path, Message: "Sigma specification: " + dg.Msg, Warning: true})
				}
			}
			return nil
		})
	}
	return out
}

func newRulesTestCmd() *cobra.Command {
	var (
		asJSON      bool
		withPresets bool
		dedup       time.Duration
	)
	cmd := &cobra.Command{
		Use:   "test RULE... ALERTS.jsonl",
		Short: "Replay IDMEFv2 alerts (JSON lines) through rules in event time and print every firing",
		Long: `Load the rules (files or directories), replay the alerts of ALERTS.jsonl (one IDMEFv2
alert per line, "-" for stdin) sorted by event time (StartTime, else CreateTime), then
close every open window, and print each firing with its contributing alerts.

With --json, exactly one line per emitted alert: the emitted IDMEFv2 alert as JSON.

Exit status: 0 on success (with or without firings), 1 when the rules or alerts are
invalid, 2 on usage errors.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			srcs, err := correlationRuleSources(args[:len(args)-1], withPresets)
			if err != nil {
				return usageErrorf("%v", err)
			}
			rs, probs, err := correlate.LoadRules(srcs, correlate.SigmaCompile)
			if err != nil {
				for _, p := range probs {
					fmt.Fprintln(cmd.ErrOrStderr(), p)
				}
				return &exitError{code: 1, msg: "the rules do not load"}
			}
			alerts, err := readAlerts(args[len(args)-1], cmd.InOrStdin())
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			e, err := correlate.New(correlate.Options{Rules: rs, AllowedLateness: time.Nanosecond, Dedup: dedup})
			if err != nil {
				return err
			}
			byID := make(map[string]*idmefv2.Alert, len(alerts))
			for _, a := range alerts {
				byID[a.ID] = a
			}
			out := cmd.OutOrStdout()
			emit := func(as []*idmefv2.Alert) error {
				for _, a := range as {
					byID[a.ID] = a
					if err := printFiring(out, a, byID, asJSON); err != nil {
						return err
					}
				}
				return nil
			}
			for _, a := range alerts {
				if err := emit(e.Process(a)); err != nil {
					return err
				}
			}
			// Close every window still open.
			return emit(e.Advance(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print each emitted alert as one JSON line")
	cmd.Flags().BoolVar(&withPresets, "presets", false, "load the shipped preset rules too")
	cmd.Flags().DurationVar(&dedup, "dedup", 0, "also summarise duplicate alerts over this window")
	return cmd
}

// readAlerts reads JSON lines of IDMEFv2 alerts and sorts them by event
// time (stable).
func readAlerts(name string, stdin io.Reader) ([]*idmefv2.Alert, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var alerts []*idmefv2.Alert
	var times []time.Time
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		a, err := idmefv2.Decode(b)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		t, err := alertTime(a)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		alerts = append(alerts, a)
		times = append(times, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	idx := make([]int, len(alerts))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return times[idx[i]].Before(times[idx[j]]) })
	sorted := make([]*idmefv2.Alert, len(alerts))
	for i, k := range idx {
		sorted[i] = alerts[k]
	}
	return sorted, nil
}

func alertTime(a *idmefv2.Alert) (time.Time, error) {
	s := a.StartTime
	if s == "" {
		s = a.CreateTime
	}
	t, err := idmefv2.ParseTime(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("alert %s: event time: %v", a.ID, err)
	}
	return t, nil
}

// printFiring prints one emitted alert: as JSON, or as a summary with its
// contributing alerts.
func printFiring(w io.Writer, a *idmefv2.Alert, byID map[string]*idmefv2.Alert, asJSON bool) error {
	if asJSON {
		data, err := idmefv2.Encode(a)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", data)
		return err
	}
	var info correlate.Info
	for _, at := range a.Attachment {
		if at.Name == correlate.InfoAttachment {
			_ = json.Unmarshal(at.Content, &info)
		}
	}
	var group []string
	for _, g := range info.Group {
		group = append(group, g.Field+"="+g.Value)
	}
	fmt.Fprintf(w, "%s  %s  [%s] %s..%s", a.EndTime, info.Title, info.Type, info.Start, info.End)
	if len(group) > 0 {
		fmt.Fprintf(w, "  %s", strings.Join(group, " "))
	}
	fmt.Fprintf(w, "  value=%g  alert %s\n", info.Value, a.ID)
	for _, id := range a.CorrelID {
		desc := ""
		if c := byID[id]; c != nil {
			desc = c.Description
		}
		fmt.Fprintf(w, "    %s  %s\n", id, desc)
	}
	return nil
}
