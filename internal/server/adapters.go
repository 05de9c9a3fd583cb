package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vigie-siem/vigie/internal/pipeline"
	"github.com/vigie-siem/vigie/internal/store"
)

// alertWriter writes the pipeline's alert batches to the store.
type alertWriter struct {
	st interface {
		PutIncoming(ctx context.Context, alerts []store.Incoming) (store.PutResult, error)
	}
}

// WriteAlerts passes the bus's bytes of each alert that are its canonical
// encoding, which spares the store encoding it again, and the time ingest
// received it, which orders the contents of a re-sent ID.
func (w alertWriter) WriteAlerts(ctx context.Context, recs []pipeline.Record) error {
	alerts := make([]store.Incoming, len(recs))
	for i, r := range recs {
		alerts[i] = store.Incoming{Alert: r.Alert, Received: r.Received}
		if r.Canonical {
			alerts[i].Doc = r.Data
		}
	}
	if _, err := w.st.PutIncoming(ctx, alerts); err != nil {
		return fmt.Errorf("store alerts: %w", err)
	}
	return nil
}

// deadLetterWriter writes the pipeline's dead letters to the store.
type deadLetterWriter struct {
	st interface {
		PutDeadLetters(ctx context.Context, dls []store.DeadLetter) error
	}
}

func (w deadLetterWriter) WriteDeadLetters(ctx context.Context, dls []pipeline.DeadLetter) error {
	out := make([]store.DeadLetter, len(dls))
	for i, d := range dls {
		sender, addr := d.Sender, ""
		if a, ok := strings.CutPrefix(d.Sender, "addr:"); ok {
			sender, addr = "", a
		}
		reason := d.Reason
		if d.Stage != "" && d.Stage != "ingest" {
			reason = d.Stage + ": " + reason
		}
		var problems json.RawMessage
		if json.Valid([]byte(d.Problems)) {
			problems = json.RawMessage(d.Problems)
		}
		out[i] = store.DeadLetter{ReceivedAt: d.Received, Sender: sender, RemoteAddr: addr, Reason: reason, Problems: problems, Raw: d.Data, RawSize: len(d.Data)}
	}
	if err := w.st.PutDeadLetters(ctx, out); err != nil {
		return fmt.Errorf("store dead letters: %w", err)
	}
	return nil
}
