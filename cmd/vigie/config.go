package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/internal/config"
)

// newConfigCmd groups the configuration tools.
func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check a configuration file or print the defaults",
	}
	cmd.AddCommand(newConfigCheckCmd(), newConfigDefaultCmd())
	return cmd
}

// newConfigCheckCmd is `vigie config check`: exit 0 and "OK" when the file
// (with the VIGIE_ environment overrides) is valid, 1 with every problem
// when it is not, 2 when it cannot be read or the command line is wrong.
func newConfigCheckCmd() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "check [--config FILE | FILE]",
		Short: "Validate a configuration file and the VIGIE_ environment overrides",
		Long: `Validate a configuration file exactly as "vigie serve" would read it:
defaults, then the file, then the VIGIE_ environment overrides. Prints OK, or
every problem with its setting, value and line (or variable).

Exit status: 0 valid, 1 invalid, 2 unreadable file or usage error.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if file != "" {
					return usageErrorf("give the file either with --config or as an argument, not both")
				}
				file = args[0]
			}
			_, err := config.Load(file)
			var ce *config.Error
			switch {
			case errors.As(err, &ce):
				fmt.Fprintln(cmd.OutOrStdout(), ce.Error())
				return &exitError{code: 1}
			case err != nil:
				return usageErrorf("%v", err)
			}
			what := file
			if what == "" {
				what = "defaults and environment"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "OK: %s\n", what)
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "config", "", "configuration file (none: check the defaults and the environment)")
	return cmd
}

// newConfigDefaultCmd is `vigie config default`: the default configuration
// as YAML, a starting point for a file.
func newConfigDefaultCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "default",
		Short: "Print the default configuration as YAML",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := config.Marshal(config.Default())
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintln(w, "# Vigie's default configuration. data_dir depends on the user who runs")
			fmt.Fprintln(w, "# this command; every setting is described in docs/CONFIGURATION.md.")
			_, err = w.Write(out)
			return err
		},
	}
}
