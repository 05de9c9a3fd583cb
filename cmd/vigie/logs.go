package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/server"
)

// newLogsCmd groups the log commands.
func newLogsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Log events: import files through the log inputs' path",
	}
	cmd.AddCommand(newLogsImportCmd())
	return cmd
}

func newLogsImportCmd() *cobra.Command {
	var (
		f  serveFlags
		in config.FileInput
	)
	cmd := &cobra.Command{
		Use:   "import FILE|-...",
		Short: "Read log files once through the same path as vigie serve's file inputs",
		Long: `Read each FILE (or stdin for "-") once and send its lines through the path the
log inputs of vigie serve use: parsing rules (or, with --tool, that tool's connector)
make alerts, which go through the bus and the pipeline to the store; mapping failures
go to the dead letters with FILE:LINE; every line is kept in the raw-event store.

It runs Vigie in-process on the data directory (without the syslog listener and the
followed files) and returns once everything is stored: stop vigie serve on that data
directory first.`,
		Example: `  vigie logs import --data-dir ./data /var/log/auth.log
  vigie logs import --data-dir ./data --format jsonl --tool suricata /var/log/suricata/eve.json
  journalctl -o short | vigie logs import --data-dir ./data -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.load(cmd)
			if err != nil {
				return err
			}
			if in.Format != config.FileFormatText && in.Format != config.FileFormatJSONL {
				return usageErrorf("--format %q: want text or jsonl", in.Format)
			}
			cfg.Inputs.Syslog.Enabled = false
			cfg.Inputs.Files = nil
			cfg.Ingest.Addr, cfg.HTTP.Addr, cfg.Metrics.Addr = "127.0.0.1:0", "127.0.0.1:0", ""
			ctx, stop := context.WithCancel(cmd.Context())
			defer stop()
			return runServer(ctx, cmd, cfg, func(srv *server.Server) error {
				defer stop()
				for _, name := range args {
					n, err := importLogFile(ctx, srv, cmd.InOrStdin(), name, in)
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %d lines\n", name, n)
				}
				return srv.WaitDrained(ctx)
			})
		},
	}
	f.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&in.Format, "format", config.FileFormatText, "text or jsonl")
	fs.StringVar(&in.Tool, "tool", "", "convert lines with this tool's connector (suricata, wazuh…) instead of the parsing rules")
	fs.StringVar(&in.TimeField, "time-field", "", "JSON field with the event time (jsonl)")
	return cmd
}

func importLogFile(ctx context.Context, srv *server.Server, stdin io.Reader, name string, in config.FileInput) (int64, error) {
	if name == "-" {
		return srv.ImportLogs(ctx, stdin, "stdin", in)
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return 0, err
	}
	fh, err := os.Open(abs)
	if err != nil {
		return 0, usageErrorf("%v", err)
	}
	defer fh.Close()
	return srv.ImportLogs(ctx, fh, "file:"+abs, in)
}
