package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/ingest"
)

func newIdmefReceiveCmd() *cobra.Command {
	var (
		sf       serverFlags
		draft    string
		upgr     bool
		lenient  bool
		pretty   bool
		maxCount int
	)
	cmd := &cobra.Command{
		Use:   "receive",
		Short: "Run a validating IDMEFv2 test receiver that prints what it gets",
		Long: `Run an HTTP(S) receiver per draft-lehmann-idmefv2-https-transport: POST on any path,
application/json, one message (or a JSON array of messages) per request; 204 when
accepted, 400 with the validation problems otherwise.

Accepted messages are printed on stdout, one JSON object per line; refused ones and
their problems on stderr. With --upgrade, messages of older drafts are upgraded to the
current one (--lenient also repairs common connector defects) and printed upgraded.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			tlsCfg, err := sf.tlsConfig()
			if err != nil {
				return err
			}
			auth, err := sf.auth(sf.clientCA != "")
			if err != nil {
				return err
			}
			v, err := newMessageValidator(draft, upgr, lenient)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			sink := &printSink{w: cmd.OutOrStdout(), pretty: pretty, limit: maxCount, done: cancel}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			h, err := transport.NewHandler(transport.Options{
				Sink:      sink,
				Validator: v,
				Rejecter:  &printRejecter{w: cmd.ErrOrStderr()},
				Auth:      auth,
				Logger:    logger,
			})
			if err != nil {
				return usageErrorf("%v", err)
			}
			return serveUntilDone(ctx, h, sf.listen, tlsCfg, logger, cmd.ErrOrStderr())
		},
	}
	sf.register(cmd, ":4690")
	cmd.Flags().StringVar(&draft, "schema", "auto", "draft to validate against: auto (from Version), "+idmefv2.DraftList())
	cmd.Flags().BoolVar(&upgr, "upgrade", false, "upgrade messages of older drafts to the current one")
	cmd.Flags().BoolVar(&lenient, "lenient", false, "with --upgrade, repair common connector defects (each repair is a warning)")
	cmd.Flags().BoolVar(&pretty, "pretty", false, "indent printed messages")
	cmd.Flags().IntVar(&maxCount, "count", 0, "stop after this many accepted messages (0: run until interrupted)")
	return cmd
}

// serveUntilDone serves h on addr until ctx ends, then shuts down gracefully.
func serveUntilDone(ctx context.Context, h http.Handler, addr string, tlsCfg *tls.Config, logger *slog.Logger, status io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usageErrorf("--listen: %v", err)
	}
	srv := transport.NewServer(h, transport.ServerOptions{Addr: addr, TLS: tlsCfg, Logger: logger,
		BaseContext: func(net.Listener) context.Context { return ctx }})
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
		ln = tls.NewListener(ln, tlsCfg)
	}
	fmt.Fprintf(status, "receiving IDMEFv2 on %s://%s/\n", scheme, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newMessageValidator(draft string, upgr, lenient bool) (*ingest.Validator, error) {
	v, err := ingest.NewValidator(ingest.ValidatorOptions{Draft: draft, Upgrade: upgr, Lenient: lenient})
	if err != nil {
		return nil, usageErrorf("--schema: %v", err)
	}
	return v, nil
}

// printSink writes accepted messages to w, one per line, and calls done
// after limit messages (limit 0: never).
type printSink struct {
	mu     sync.Mutex
	w      io.Writer
	pretty bool
	limit  int
	n      int
	done   func()
}

func (s *printSink) Accept(_ context.Context, msgs []transport.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		var buf bytes.Buffer
		var err error
		if s.pretty {
			err = json.Indent(&buf, m.Data, "", "  ")
		} else {
			err = json.Compact(&buf, m.Data)
		}
		if err != nil {
			return fmt.Errorf("print message: %w", err)
		}
		buf.WriteByte('\n')
		if _, err := s.w.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("print message: %w", err)
		}
		s.n++
	}
	if s.limit > 0 && s.n >= s.limit {
		s.done()
	}
	return nil
}

// printRejecter reports refused messages and their problems on w.
type printRejecter struct {
	mu sync.Mutex
	w  io.Writer
}

func (r *printRejecter) Reject(_ context.Context, rs []transport.Rejection) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rej := range rs {
		fmt.Fprintf(r.w, "refused %s from %s (%d): %s\n", messageID(rej.Data), cmp.Or(rej.Peer.Name, rej.Peer.Addr), rej.Status, rej.Reason)
		for _, p := range rej.Problems {
			fmt.Fprintf(r.w, "  %-7s %s: %s (%s)\n", p.Severity, pointerOrRoot(p.Pointer), p.Message, p.Rule)
		}
	}
	return nil
}

func pointerOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
