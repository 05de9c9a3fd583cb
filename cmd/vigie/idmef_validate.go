package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vigie-siem/vigie/idmefv2"
)

// progressThreshold is the number of files above which validate shows a
// progress bar (on a terminal only).
const progressThreshold = 200

func newIdmefValidateCmd() *cobra.Command {
	var (
		asJSON bool
		quiet  bool
		draft  string
	)
	cmd := &cobra.Command{
		Use:   "validate [FILE|DIR|-]...",
		Short: "Validate IDMEFv2 messages (any draft, chosen by Version) and print per-message verdicts",
		Long: `Validate IDMEFv2 messages against the schema of their draft and the rules of the
specification text the schema misses (port ranges, real dates, attachment references…).

Inputs are files, directories (walked for *.json, *.jsonl, *.ndjson) or "-" for stdin
(the default). A file may hold one message or a stream of them (JSON lines).

Exit status: 0 when every message is valid (warnings allowed), 1 when any is invalid,
2 on usage errors.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := idmefv2.NewValidator(idmefv2.ValidatorOptions{Draft: draft})
			if err != nil {
				return usageErrorf("--schema: %v", err)
			}
			files, err := expandInputs(args)
			if err != nil {
				return usageErrorf("%v", err)
			}
			out := cmd.OutOrStdout()
			var bar *progressbar.ProgressBar
			if len(files) > progressThreshold && isTerminal(cmd.ErrOrStderr()) {
				bar = progressbar.NewOptions(len(files), progressbar.OptionSetWriter(cmd.ErrOrStderr()),
					progressbar.OptionSetDescription("validating"), progressbar.OptionClearOnFinish())
			}
			var sum validateSummary
			for _, file := range files {
				results, err := validateFile(v, file, cmd.InOrStdin())
				if err != nil {
					return usageErrorf("%v", err)
				}
				for _, r := range results {
					sum.add(r)
					if asJSON {
						if err := writeJSONLine(out, r); err != nil {
							return err
						}
						continue
					}
					if quiet && r.Valid {
						continue
					}
					printResult(out, r)
				}
				if bar != nil {
					_ = bar.Add(1)
				}
			}
			if bar != nil {
				_ = bar.Finish()
			}
			if !asJSON {
				fmt.Fprintln(out, sum)
			}
			if sum.invalid > 0 {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per message instead of text")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only invalid messages and the summary")
	cmd.Flags().StringVar(&draft, "schema", "auto", "draft to validate against: auto (from Version), "+idmefv2.DraftList())
	return cmd
}

// validateResult is the verdict for one message, as printed with --json.
type validateResult struct {
	Input    string          `json:"input"`
	Valid    bool            `json:"valid"`
	Version  string          `json:"version,omitempty"`
	Errors   []idmefv2.Issue `json:"errors,omitempty"`
	Warnings []idmefv2.Issue `json:"warnings,omitempty"`
}

func validateFile(v *idmefv2.Validator, file string, stdin io.Reader) ([]validateResult, error) {
	f, err := openInput(file, stdin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var msgs []message
	if err := readMessages(file, f, func(m message) error { msgs = append(msgs, m); return nil }); err != nil {
		return nil, err
	}
	results := make([]validateResult, 0, len(msgs))
	for _, m := range msgs {
		r := validateResult{Input: m.Name(len(msgs) > 1)}
		if m.Err != nil {
			r.Errors = []idmefv2.Issue{{Rule: "json", Message: m.Err.Error(), Severity: idmefv2.SeverityError}}
		} else {
			rep := v.Validate(m.Data)
			r.Version, r.Errors, r.Warnings = rep.Version, rep.Errors(), rep.Warnings()
		}
		r.Valid = len(r.Errors) == 0
		results = append(results, r)
	}
	return results, nil
}

func printResult(w io.Writer, r validateResult) {
	verdict := "valid"
	if !r.Valid {
		verdict = fmt.Sprintf("INVALID (%s)", plural(len(r.Errors), "error"))
	} else if len(r.Warnings) > 0 {
		verdict = fmt.Sprintf("valid with %s", plural(len(r.Warnings), "warning"))
	}
	if r.Version != "" {
		verdict += " [" + r.Version + "]"
	}
	fmt.Fprintf(w, "%s: %s\n", r.Input, verdict)
	for _, is := range r.Errors {
		fmt.Fprintf(w, "  error   %s\n", is)
	}
	for _, is := range r.Warnings {
		fmt.Fprintf(w, "  warning %s\n", is)
	}
}

type validateSummary struct{ total, valid, invalid, warned int }

func (s *validateSummary) add(r validateResult) {
	s.total++
	if r.Valid {
		s.valid++
	} else {
		s.invalid++
	}
	if len(r.Warnings) > 0 {
		s.warned++
	}
}

func (s validateSummary) String() string {
	return fmt.Sprintf("%s: %d valid, %d invalid, %d with warnings", plural(s.total, "message"), s.valid, s.invalid, s.warned)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
