package nats

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startEmbedded runs a JetStream-enabled nats-server inside the process,
// reachable only through in-process connections (DontListen).
func startEmbedded(opts Options) (*server.Server, error) {
	sopts := &server.Options{
		ServerName:        "vigie-embedded",
		JetStream:         true,
		StoreDir:          filepath.Join(opts.DataDir, "nats"),
		JetStreamMaxStore: opts.MaxStore,
		DontListen:        true,
		NoSigs:            true, // the embedding process owns signals
	}
	ns, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats server: %w", err)
	}
	log := serverLogger{opts.Logger.With("component", "nats-server")}
	debug := opts.Logger.Enabled(context.Background(), slog.LevelDebug)
	ns.SetLoggerV2(log, debug, false, false)
	ns.Start()
	if !ns.ReadyForConnections(opts.ConnectTimeout) {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("embedded nats server in %s: not ready after %v", sopts.StoreDir, opts.ConnectTimeout)
	}
	return ns, nil
}

// stopEmbedded shuts the server down and waits, up to ctx, for it to finish
// flushing its stores.
func stopEmbedded(ctx context.Context, ns *server.Server) error {
	ns.Shutdown()
	done := make(chan struct{})
	go func() {
		ns.WaitForShutdown()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("embedded nats server shutdown: %w", ctx.Err())
	case <-time.After(time.Minute):
		return fmt.Errorf("embedded nats server shutdown: still running after a minute")
	}
}
