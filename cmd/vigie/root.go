package main

import (
	"io"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// newRootCmd builds the command tree. Streams are injected so that commands
// can be tested in-process.
func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "vigie",
		Short:         "Vigie: an open-source SIEM that speaks IDMEFv2 end to end",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErrorf("%v", err)
	})
	root.AddCommand(
		newConfigCmd(),
		newServeCmd(),
		newDemoCmd(),
		newImportCmd(),
		newBenchCmd(),
		newIdmefCmd(),
		newRelayCmd(),
		newParseCmd(),
		newRulesCmd(),
		newLogsCmd(),
		newEnrichCmd(),
	)
	return root
}

// newIdmefCmd groups the IDMEFv2 library tools.
func newIdmefCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "idmef",
		Short: "IDMEFv2 tools: validate, upgrade, send, receive, generate",
	}
	cmd.AddCommand(
		newIdmefValidateCmd(),
		newIdmefUpgradeCmd(),
		newIdmefSendCmd(),
		newIdmefReceiveCmd(),
		newIdmefGenCmd(),
		newIdmefConvertCmd(),
	)
	return cmd
}
