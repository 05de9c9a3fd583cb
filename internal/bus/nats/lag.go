package nats

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Pending is how many messages of subject the durable consumer has not
// acknowledged yet: those not delivered plus those delivered and awaiting
// their acknowledgement. A consumer that does not exist yet has everything
// in the stream pending. It is one request to the server: callers poll it
// (ingest does, a few times a second) rather than call it per message.
//
// The server counts NATS messages; with packing, the count is converted to
// bus messages with the mean pack size this process has published on the
// subject (an estimate when several processes publish with different batch
// sizes).
func (b *Bus) Pending(ctx context.Context, subject, durable string) (uint64, error) {
	st, err := b.stream(subject)
	if err != nil {
		return 0, err
	}
	cons, err := b.js.Consumer(ctx, st.name, durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		s, err := b.js.Stream(ctx, st.name)
		if err != nil {
			return 0, fmt.Errorf("pending %s: stream: %w", subject, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return 0, fmt.Errorf("pending %s: stream info: %w", subject, err)
		}
		return st.inMessages(info.State.Msgs), nil
	}
	if err != nil {
		return 0, fmt.Errorf("pending %s/%s: %w", subject, durable, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("pending %s/%s: consumer info: %w", subject, durable, err)
	}
	return st.inMessages(info.NumPending + uint64(info.NumAckPending)), nil
}

// inMessages converts a count of NATS messages of st into bus messages.
func (st stream) inMessages(n uint64) uint64 {
	return uint64(float64(n)*st.fill.perUnit() + 0.5)
}
