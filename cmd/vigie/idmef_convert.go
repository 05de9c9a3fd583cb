package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/connectors"
)

// maxConvertLine bounds one input event, so that a file without newlines
// cannot exhaust memory.
const maxConvertLine = 16 << 20

func newIdmefConvertCmd() *cobra.Command {
	var (
		from   string
		pretty bool
	)
	cmd := &cobra.Command{
		Use:   "convert --from TOOL [FILE|-]",
		Short: "Convert a security tool's native events to IDMEFv2 (one JSON object per line)",
		Long: `Convert the native events of a security tool to IDMEFv2 2.D.V08 alerts.

The input (a file, or "-" for stdin, the default) holds one event per line: JSON lines,
or text lines for samhain. Each alert is written to stdout as one JSON object per line.
Events the converter filters out (Suricata flows, Prometheus alerts that are not firing…)
produce no line. docs/CONNECTORS.md documents each mapping.

Tools: ` + strings.Join(connectors.Names(), ", ") + `.

Exit status: 0 when every event converted or was filtered out, 1 when any line was
malformed (each reported on stderr with its line number), 2 on usage errors.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			conv, ok := connectors.Lookup(from)
			if !ok {
				return usageErrorf("--from: unknown tool %q (one of %s)", from, strings.Join(connectors.Names(), ", "))
			}
			file := "-"
			if len(args) == 1 {
				file = args[0]
			}
			in, err := openInput(file, cmd.InOrStdin())
			if err != nil {
				return usageErrorf("%v", err)
			}
			defer in.Close()
			bad, err := convertStream(conv, in, cmd.OutOrStdout(), cmd.ErrOrStderr(), file, pretty)
			if err != nil {
				return err
			}
			if bad > 0 {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "source tool: "+strings.Join(connectors.Names(), ", "))
	cmd.Flags().BoolVar(&pretty, "pretty", false, "indent each alert (output is then no longer one line per alert)")
	_ = cmd.MarkFlagRequired("from")
	return cmd
}

// convertStream converts every line of in, writing alerts to out and one
// message per malformed line to errw; it returns the number of malformed
// lines, and an error only when reading or writing fails.
func convertStream(conv connectors.Converter, in io.Reader, out, errw io.Writer, name string, pretty bool) (int, error) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxConvertLine)
	w := bufio.NewWriter(out)
	var buf, ind bytes.Buffer
	bad := 0
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		a, err := conv.Convert(line)
		if err != nil {
			bad++
			fmt.Fprintf(errw, "%s:%d: %v\n", name, n, err)
			continue
		}
		if a == nil {
			continue
		}
		data, err := idmefv2.AppendEncode(buf.Bytes()[:0], a)
		if err != nil {
			bad++
			fmt.Fprintf(errw, "%s:%d: encode: %v\n", name, n, err)
			continue
		}
		if pretty {
			ind.Reset()
			if err := json.Indent(&ind, data, "", "  "); err != nil {
				return bad, fmt.Errorf("indent alert: %w", err)
			}
			data = ind.Bytes()
		}
		w.Write(data)
		if err := w.WriteByte('\n'); err != nil {
			return bad, fmt.Errorf("write alert: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return bad, usageErrorf("read %s: %v", name, err)
	}
	if err := w.Flush(); err != nil {
		return bad, fmt.Errorf("write alerts: %w", err)
	}
	return bad, nil
}
