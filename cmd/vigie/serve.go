package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/pprof"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/server"
)

// serveFlags are the settings the command line may override; they win
// over the file and the environment.
type serveFlags struct {
	configFile string
	dataDir    string
	ingestAddr string
	httpAddr   string
	ingestAuth string
	cpuProfile string
}

func (f *serveFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.configFile, "config", "", "configuration file (default: built-in defaults and VIGIE_ environment overrides)")
	fs.StringVar(&f.dataDir, "data-dir", "", "data directory for everything stateful (overrides data_dir)")
	fs.StringVar(&f.ingestAddr, "ingest-addr", "", "IDMEFv2 ingest listen address, HOST:PORT (overrides ingest.addr; default :4690)")
	fs.StringVar(&f.httpAddr, "http-addr", "", "REST API and UI listen address, HOST:PORT (overrides http.addr; default :8080)")
	fs.StringVar(&f.ingestAuth, "ingest-auth", "", "ingest authentication: token (default) or none (explicit opt-out, logged)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (for go tool pprof)")
}

// profile starts the CPU profile the flags ask for; the returned function
// stops it.
func (f *serveFlags) profile() (stop func(), err error) {
	if f.cpuProfile == "" {
		return func() {}, nil
	}
	out, err := os.Create(f.cpuProfile)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		out.Close()
	}, nil
}

// load reads the configuration and applies the flags on top.
func (f *serveFlags) load(cmd *cobra.Command) (*config.Config, error) {
	cfg, err := config.Load(f.configFile)
	var ce *config.Error
	if errors.As(err, &ce) {
		fmt.Fprintln(cmd.ErrOrStderr(), ce.Error())
		return nil, &exitError{code: 2}
	}
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	set := func(flag string, dst *string) {
		if cmd.Flags().Changed(flag) {
			*dst = cmd.Flags().Lookup(flag).Value.String()
		}
	}
	set("data-dir", &cfg.DataDir)
	set("ingest-addr", &cfg.Ingest.Addr)
	set("http-addr", &cfg.HTTP.Addr)
	set("ingest-auth", &cfg.Ingest.Auth)
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), err)
		return nil, &exitError{code: 2}
	}
	return cfg, nil
}

func newServeCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the SIEM: IDMEFv2 ingest, bus, pipeline, store and REST API",
		Long: `Run Vigie with embedded defaults: IDMEFv2 ingest over HTTP on :4690 (sensor tokens
required unless --ingest-auth none), the REST API on :8080, an embedded NATS JetStream
bus and a SQLite store in the data directory.

On the first run an admin account is created: with the password in
VIGIE_ADMIN_PASSWORD, or a generated one printed once.`,
		Example: `  VIGIE_ADMIN_PASSWORD='correct horse battery' vigie serve --data-dir ./data
  vigie serve --config /etc/vigie/vigie.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.load(cmd)
			if err != nil {
				return err
			}
			stop, err := f.profile()
			if err != nil {
				return err
			}
			defer stop()
			return runServer(cmd.Context(), cmd, cfg, nil)
		},
	}
	f.register(cmd)
	return cmd
}

// runServer assembles and runs Vigie until ctx ends. started, if set, runs
// once the server listens, beside it; the caller cancels ctx to stop.
func runServer(ctx context.Context, cmd *cobra.Command, cfg *config.Config, started func(*server.Server) error) error {
	logger := newLogger(cmd, cfg.Log)
	tuneRuntime(cfg.Runtime, os.Getenv, logger)
	srv, err := server.New(ctx, server.Options{Config: cfg, Logger: logger, Notice: cmd.ErrOrStderr()})
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "Vigie: IDMEFv2 ingest on %s, REST API on %s, data in %s\n", srv.IngestAddr(), srv.APIAddr(), cfg.DataDir)
	if started != nil {
		runErr := make(chan error, 1)
		go func() { runErr <- srv.Run(ctx) }()
		if err := started(srv); err != nil {
			return errors.Join(err, <-runErr)
		}
		return <-runErr
	}
	return srv.Run(ctx)
}

func newLogger(cmd *cobra.Command, c config.Log) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	w := cmd.ErrOrStderr()
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// tuneRuntime applies the runtime settings of the configuration, except
// those the GOGC and GOMEMLIMIT environment variables already set.
func tuneRuntime(r config.Runtime, getenv func(string) string, log *slog.Logger) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(r.GCPercent)
		log.Debug("go runtime", "gc_percent", r.GCPercent)
	}
	if getenv("GOMEMLIMIT") == "" && r.MemoryLimit > 0 {
		debug.SetMemoryLimit(int64(r.MemoryLimit))
		log.Debug("go runtime", "memory_limit", int64(r.MemoryLimit))
	}
}
