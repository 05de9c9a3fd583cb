package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2/schema"
	"github.com/vigie-siem/vigie/idmefv2/upgrade"
)

func newIdmefUpgradeCmd() *cobra.Command {
	var (
		lenient bool
		zone    string
		quiet   bool
	)
	cmd := &cobra.Command{
		Use:   "upgrade [FILE|DIR|-]...",
		Short: "Upgrade IDMEFv2 messages of older drafts (V02–V07) to the current draft (2.D.V08)",
		Long: `Upgrade messages of older drafts to 2.D.V08 and print them on stdout, one JSON object
per line. Every change (renamed or mapped values, values carried into ext-*/AltCategory or
a Legacy attachment, generated IDs) is listed on stderr. The mapping is documented in
docs/IDMEFV2-UPGRADE.md.

--lenient also repairs the defects common in connector output (a scalar where a list is
required, Analyzer.Type as a string, timestamps without a zone, wrong-case enum values…),
each reported as a warning. V08 messages pass through unchanged.

Exit status: 0 when every message was upgraded, 1 when any could not be, 2 on usage errors.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := upgrade.Options{Lenient: lenient, Validator: schema.New()}
			if zone != "" {
				loc, err := time.LoadLocation(zone)
				if err != nil {
					return usageErrorf("--zone: %v", err)
				}
				opts.DefaultZone = loc
			}
			u, err := upgrade.New(opts)
			if err != nil {
				return fmt.Errorf("upgrader: %w", err)
			}
			files, err := expandInputs(args)
			if err != nil {
				return usageErrorf("%v", err)
			}
			out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
			var ok, failed int
			for _, file := range files {
				f, err := openInput(file, cmd.InOrStdin())
				if err != nil {
					return usageErrorf("%v", err)
				}
				var msgs []message
				err = readMessages(file, f, func(m message) error { msgs = append(msgs, m); return nil })
				f.Close()
				if err != nil {
					return err
				}
				for _, m := range msgs {
					name := m.Name(len(msgs) > 1)
					if m.Err != nil {
						failed++
						fmt.Fprintf(errw, "%s: %v\n", name, m.Err)
						continue
					}
					res, changes, err := u.Upgrade(m.Data)
					if err != nil {
						failed++
						printUpgradeError(errw, name, err)
						continue
					}
					ok++
					if !quiet {
						for _, c := range changes {
							fmt.Fprintf(errw, "%s: %s\n", name, c)
						}
					}
					if _, err := out.Write(append(res, '\n')); err != nil {
						return err
					}
				}
			}
			if failed > 0 {
				fmt.Fprintf(errw, "%d upgraded, %d failed\n", ok, failed)
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&lenient, "lenient", false, "repair common connector defects (each repair is reported)")
	cmd.Flags().StringVar(&zone, "zone", "", "with --lenient, the IANA time zone assumed for timestamps without one (default UTC)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "do not list the changes")
	return cmd
}

func printUpgradeError(w io.Writer, name string, err error) {
	var inv *upgrade.InvalidError
	if !errors.As(err, &inv) {
		fmt.Fprintf(w, "%s: %v\n", name, err)
		return
	}
	fmt.Fprintf(w, "%s: %v\n", name, err)
	for _, e := range inv.Errors {
		fmt.Fprintf(w, "  error   %s\n", e)
	}
}
