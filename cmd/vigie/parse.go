package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/internal/logevent"
	"github.com/vigie-siem/vigie/internal/parse"
)

// newParseCmd groups the log parsing rule tools.
func newParseCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "parse",
		Short: "Log parsing rules: replay log lines through them, lint rule files",
		Long: `Log parsing rules turn log lines into IDMEFv2 alerts (docs/PARSING-RULES.md).
A RULESET argument is a rule file, a directory of rule files, or the name of a
shipped rule set (sshd, sudo, web-access… — "builtin" for all of them).`,
	}
	cmd.AddCommand(newParseTestCmd(), newParseLintCmd())
	return cmd
}

// parseRuleSources reads the rule files named by args; none means the shipped sets.
func parseRuleSources(args []string) ([]parse.Source, error) {
	if len(args) == 0 {
		return parse.BuiltinSources()
	}
	builtin, err := parse.BuiltinSources()
	if err != nil {
		return nil, err
	}
	var out []parse.Source
	for _, a := range args {
		if _, err := os.Stat(a); err == nil {
			srcs, err := parse.ReadPaths([]string{a})
			if err != nil {
				return nil, err
			}
			out = append(out, srcs...)
			continue
		}
		found := false
		for _, s := range builtin {
			if a == "builtin" || strings.TrimSuffix(s.Name, ".yaml") == a {
				out = append(out, s)
				found = true
			}
		}
		if !found {
			names := make([]string, len(builtin))
			for i, s := range builtin {
				names[i] = strings.TrimSuffix(s.Name, ".yaml")
			}
			return nil, fmt.Errorf("%s: no such file, and not a shipped rule set (%s, builtin)", a, strings.Join(names, ", "))
		}
	}
	return out, nil
}

func newParseLintCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "lint [RULESET]...",
		Short: "Check rule files: YAML keys, patterns, mappings, and that every sample gives its expected valid V08 alert",
		Long: `Check rule files (the shipped sets when none is given): unknown YAML keys, patterns
that do not compile, unknown fields or filters in mappings, and every sample: it
must be matched by its own rule and give an alert that validates as IDMEFv2 V08 and
has the expected values. Problems are printed as FILE:LINE: message.

Exit status: 0 when all is well, 1 when a problem is found, 2 on usage errors.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			srcs, err := parseRuleSources(args)
			if err != nil {
				return usageErrorf("%v", err)
			}
			out := cmd.OutOrStdout()
			problems := parse.Lint(srcs)
			for _, p := range problems {
				fmt.Fprintln(out, p)
			}
			if len(problems) > 0 {
				return &exitError{code: 1, msg: fmt.Sprintf("%d problem(s) in %d rule file(s)", len(problems), len(srcs))}
			}
			e, err := parse.New(srcs, parse.Options{})
			if err != nil {
				return err
			}
			sets, rules, samples := e.Stats()
			fmt.Fprintf(out, "ok: %d rule sets, %d rules, %d samples\n", sets, rules, samples)
			return nil
		},
	}
}

func newParseTestCmd() *cobra.Command {
	var (
		program string
		host    string
		asJSON  bool
		quiet   bool
	)
	cmd := &cobra.Command{
		Use:   "test RULESET [LOGFILE|-]",
		Short: "Replay log lines through rules and print the alerts, or why a line did not match",
		Long: `Replay log lines (LOGFILE, or stdin for "-" or none) through the rules of RULESET
and print, for each line, the rule that matched and its alert — or, when no rule
matched, which rule sets applied and which pre-filter or pattern failed.

Lines in the syslog file format ("Nov 23 10:00:00 host sshd[42]: message") are split
into host, program and message; a line that is a JSON object is a JSON event (its
fields); any other line is a message of --program (default: the first program the
rules name).

Exit status: 0 when every line was processed, 1 when a rule matched but its mapping
failed, 2 on usage errors.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			srcs, err := parseRuleSources(args[:1])
			if err != nil {
				return usageErrorf("%v", err)
			}
			e, err := parse.New(srcs, parse.Options{})
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			in, input, err := openLog(cmd, args[1:])
			if err != nil {
				return usageErrorf("%v", err)
			}
			defer in.Close()
			if program == "" {
				if p := e.Programs(); len(p) > 0 {
					program = p[0]
				}
			}
			r := replayer{e: e, out: cmd.OutOrStdout(), program: program, host: host, input: input, json: asJSON, quiet: quiet}
			return r.run(in)
		},
	}
	cmd.Flags().StringVar(&program, "program", "", "program of lines without a syslog header")
	cmd.Flags().StringVar(&host, "host", "localhost", "host of lines without a syslog header")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print only the alerts, one JSON object per line")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "do not explain lines that match no rule")
	return cmd
}

// openLog opens the log file argument, or stdin.
func openLog(cmd *cobra.Command, args []string) (io.ReadCloser, string, error) {
	if len(args) == 0 || args[0] == "-" {
		return io.NopCloser(cmd.InOrStdin()), "stdin", nil
	}
	f, err := os.Open(args[0])
	if err != nil {
		return nil, "", err
	}
	abs, _ := filepath.Abs(args[0])
	return f, "file:" + abs, nil
}

// replayer runs lines through an engine and prints what happened.
type replayer struct {
	e             *parse.Engine
	out           io.Writer
	program, host string
	input         string
	json          bool
	quiet         bool
}

func (r *replayer) run(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var n, matched, alerts, failed int
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		ev := r.event(line)
		as, id, trace, err := r.e.Explain(ev)
		switch {
		case err != nil:
			failed++
			if !r.json {
				fmt.Fprintf(r.out, "line %d: rule %s: mapping failed: %v\n", n, id, err)
			}
			continue
		case id == "":
			if !r.json && !r.quiet {
				fmt.Fprintf(r.out, "line %d: no rule matched\n", n)
				for _, t := range trace {
					fmt.Fprintf(r.out, "    %s\n", t)
				}
			}
			continue
		}
		matched++
		if len(as) == 0 && !r.json {
			fmt.Fprintf(r.out, "line %d: rule %s: recognised, no alert (alert: false)\n", n, id)
		}
		for _, a := range as {
			alerts++
			data, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if r.json {
				fmt.Fprintln(r.out, string(data))
			} else {
				fmt.Fprintf(r.out, "line %d: rule %s: alert %s\n", n, id, data)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return usageErrorf("reading log: %v", err)
	}
	if !r.json {
		fmt.Fprintf(r.out, "%d lines: %d matched, %d alerts, %d mapping failures\n", n, matched, alerts, failed)
	}
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d line(s) matched a rule whose mapping failed", failed)}
	}
	return nil
}

// event makes the event of one replayed line.
func (r *replayer) event(line string) *logevent.Event {
	ev := logevent.New(r.input, time.Now(), []byte(line))
	if strings.HasPrefix(line, "{") {
		var fields map[string]any
		if json.Unmarshal([]byte(line), &fields) == nil {
			ev.Fields = fields
			return &ev
		}
	}
	if !parse.SyslogFileHeader(&ev) {
		ev.AppName, ev.Hostname = r.program, r.host
	}
	return &ev
}
