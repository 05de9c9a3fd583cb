package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2/transport"
)

func newIdmefSendCmd() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "send --url URL [FILE|DIR|-]...",
		Short: "Send IDMEFv2 messages to a receiver over HTTP(S) (draft-lehmann-idmefv2-https-transport)",
		Long: `Send IDMEFv2 messages to a receiver (Vigie, Concerto, any draft-compliant manager).

Messages are read from files, directories or stdin (one JSON object per message, or
JSON lines). By default they are grouped in JSON arrays of --batch messages (what Vigie
and Concerto accept); --single sends one message per request, as the draft specifies.
Requests are retried with back-off on 429, 5xx and network errors.

Exit status: 0 when every message was accepted, 1 when any was rejected or could not
be delivered, 2 on usage errors.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := expandInputs(args)
			if err != nil {
				return usageErrorf("%v", err)
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			defer c.Close()
			st := &sendStats{w: cmd.ErrOrStderr()}
			b, err := transport.NewBatcher(c, cf.batcherOptions(st.onResult))
			if err != nil {
				return usageErrorf("%v", err)
			}
			ctx := cmd.Context()
			for _, file := range files {
				f, err := openInput(file, cmd.InOrStdin())
				if err != nil {
					_ = b.Close(ctx)
					return usageErrorf("%v", err)
				}
				err = readMessages(file, f, func(m message) error {
					if m.Err != nil {
						st.localFailure(m.Name(true), m.Err)
						return nil
					}
					return b.Add(ctx, m.Data)
				})
				f.Close()
				if err != nil {
					_ = b.Close(ctx)
					return err
				}
			}
			if err := b.Close(ctx); err != nil {
				return fmt.Errorf("flush: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), st)
			if st.rejected+st.failed > 0 {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cf.register(cmd, true)
	return cmd
}

// sendStats counts outcomes and reports each refused message on w.
type sendStats struct {
	mu                         sync.Mutex
	w                          io.Writer
	accepted, rejected, failed int
}

func (s *sendStats) onResult(msgs [][]byte, results []transport.ItemResult, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rej *transport.RejectedError
	if errors.As(err, &rej) && len(rej.Items) > 0 {
		results = rej.Items
	} else if err != nil {
		if errors.As(err, &rej) && len(msgs) == 1 {
			s.rejected++
			s.report(msgs[0], rej.Message, rej.Problems)
			return
		}
		s.failed += len(msgs)
		fmt.Fprintf(s.w, "send failed for %d messages: %v\n", len(msgs), err)
		return
	}
	for _, r := range results {
		if r.Accepted() {
			s.accepted++
			continue
		}
		s.rejected++
		var data []byte
		if r.Index >= 0 && r.Index < len(msgs) {
			data = msgs[r.Index]
		}
		s.report(data, r.Error, r.Problems)
	}
}

func (s *sendStats) report(msg []byte, reason string, problems []transport.Problem) {
	fmt.Fprintf(s.w, "rejected %s: %s\n", messageID(msg), reason)
	for _, p := range problems {
		ptr := p.Pointer
		if ptr == "" {
			ptr = "/"
		}
		fmt.Fprintf(s.w, "  %-7s %s: %s (%s)\n", p.Severity, ptr, p.Message, p.Rule)
	}
}

func (s *sendStats) localFailure(name string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failed++
	fmt.Fprintf(s.w, "not sent %s: %v\n", name, err)
}

func (s *sendStats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("%s: %d accepted, %d rejected, %d not delivered",
		plural(s.accepted+s.rejected+s.failed, "message"), s.accepted, s.rejected, s.failed)
}

// messageID names a message in reports by its ID, when it has one.
func messageID(msg []byte) string {
	var m struct{ ID string }
	if json.Unmarshal(msg, &m) == nil && m.ID != "" {
		return "ID " + m.ID
	}
	return "message"
}
