package bus

import "context"

// Publisher stores messages on the bus.
//
// Implementations are safe for concurrent use. A call returns nil only once
// every message is durably stored by the engine (for NATS JetStream: the
// publish acknowledgement), so a caller may acknowledge its own sender then.
// When a stream is full the call fails with an error matching
// ErrBackpressure and nothing is stored for the rejected messages; the
// caller should slow down or answer 429/503, never drop. The bus does not
// keep a reference to a Message or its Data after the call returns.
type Publisher interface {
	// Publish stores one message.
	Publish(ctx context.Context, m Message) error
	// PublishBatch stores several messages, pipelined, and waits for all of
	// them. Messages to one subject are stored in slice order. On failure
	// it returns a *BatchError telling which messages were not stored; the
	// others were. Re-publishing the whole batch is safe thanks to
	// de-duplication by Key (see Message.Key).
	PublishBatch(ctx context.Context, ms []Message) error
}

// Handler processes one delivery. It returns nil when the message is done
// (the bus acknowledges it), an error to have it redelivered later with
// back-off, or an error wrapped by Permanent to send it to the dead-letter
// subject at once. A Handler that panics is treated as returning an error.
//
// ctx is not cancelled when Consume's context is (so that in-flight work can
// finish during a graceful drain); its deadline is the consumer's AckWait,
// after which the message would be redelivered anyway.
type Handler func(ctx context.Context, d Delivery) error

// BatchHandler processes several deliveries at once, so that a stage can
// write or publish them in one operation. It returns nil when every delivery
// is done, a *BatchError (see BatchErrors) with one error per delivery, in
// order, to settle each on its own, or any other error to settle all of them
// alike: redelivery with back-off, or dead-lettering for a Permanent error.
// A BatchHandler that panics is treated as returning an error for every
// delivery. The context is as for Handler.
type BatchHandler func(ctx context.Context, ds []Delivery) error

// Consumer delivers the messages of a subject to a handler through a named
// durable consumer: the bus remembers, per durable name, what was
// acknowledged, so a restarted stage resumes where it stopped. Several
// processes consuming with the same durable name share the work.
//
// Delivery is at-least-once: a message is redelivered when the handler
// fails, when the AckWait expires, or when the process stops before the
// acknowledgement is confirmed. After ConsumeOptions.MaxDeliver attempts, or
// on a Permanent error, the message is copied to the dead-letter subject with
// the reason and the original headers, and only then removed from this
// consumer's work; it is never silently dropped.
//
// Ordering: with Concurrency 1 messages reach the handler in stream order,
// except redeliveries, which come back after their back-off. With higher
// concurrency there is no ordering guarantee.
type Consumer interface {
	// Consume creates or updates the durable consumer and runs h on its
	// messages until ctx is done or the bus fails. On cancellation it stops
	// taking new messages, returns prefetched ones to the bus, waits for
	// in-flight handlers to finish and acknowledges them, then returns nil.
	// Otherwise it returns the error that stopped it.
	Consume(ctx context.Context, subject, durable string, opts ConsumeOptions, h Handler) error
	// ConsumeBatch is Consume for a handler that takes deliveries in
	// batches of at most opts.MaxBatch, gathered for at most
	// opts.MaxBatchWait; opts.Concurrency batch handlers run at once. The
	// delivery semantics are those of Consume, message by message: each
	// delivery is acknowledged only after the handler returned without an
	// error for it, and counts its own attempts. With Concurrency 1 the
	// deliveries of a batch, and successive batches, are in stream order
	// (redeliveries aside).
	ConsumeBatch(ctx context.Context, subject, durable string, opts ConsumeOptions, h BatchHandler) error
}
