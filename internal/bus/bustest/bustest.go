// Package bustest is the contract suite every bus engine must pass. An engine
// package runs it from its own tests:
//
//	func TestContract(t *testing.T) {
//		bustest.Run(t, func(t *testing.T) bustest.Opener { … })
//	}
//
// The suite uses only the bus package's interfaces and types, so a case that
// fails names a contract, not an implementation detail. Waits are bounded and
// event-driven; no case sleeps to assert that something did not happen.
package bustest

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/bus"
)

// Bus is what the suite drives: an engine's bus with its lifecycle. Close may
// be called more than once.
type Bus interface {
	bus.Publisher
	bus.Consumer
	Close(ctx context.Context) error
}

// Opener opens a bus declaring streams over one test's engine state. Calling
// it again after Close must reopen the same state (same data directory, same
// server and prefix): the suite relies on it to check durability.
type Opener func(ctx context.Context, streams []bus.Stream) (Bus, error)

// Factory prepares fresh, isolated engine state for one test (its own data
// directory or subject prefix), registers its cleanup on t, and returns an
// Opener over it.
type Factory func(t *testing.T) Opener

// waitTimeout bounds every wait of the suite. It is generous: the suite runs
// on busy CI machines and a timeout always means a failure.
const waitTimeout = 30 * time.Second

// Semantics names the documented variations of the contract an engine
// configuration has.
type Semantics struct {
	// PackedBatches: PublishBatch stores the messages of a call together
	// (bus/nats Options.Pack), so de-duplication recognises a repeated call
	// but not a message published once in a batch and once alone.
	PackedBatches bool
}

// Run runs the contract suite against the engine that factory builds.
func Run(t *testing.T, factory Factory) { RunWith(t, factory, Semantics{}) }

// RunWith runs the contract suite against an engine with the given
// semantics.
func RunWith(t *testing.T, factory Factory, sem Semantics) {
	cases := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"RoundTrip", testRoundTrip},
		{"InvalidUse", testInvalidUse},
		{"AtLeastOnce", testAtLeastOnce},
		{"PermanentErrorDeadLetters", testPermanent},
		{"MaxDeliverDeadLetters", testMaxDeliver},
		{"PanicIsAnError", testPanic},
		{"DedupByKeyAndData", func(t *testing.T, open Opener) { testDedup(t, open, sem) }},
		{"BackpressureMaxMsgs", testBackpressureMaxMsgs},
		{"BackpressureMaxBytes", testBackpressureMaxBytes},
		{"DurableAcrossReopen", testDurableAcrossReopen},
		{"GracefulDrain", testGracefulDrain},
		{"Concurrency", testConcurrency},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, factory(t))
		})
	}
	// The same contracts through ConsumeBatch, one message per batch.
	for _, c := range cases {
		t.Run("BatchOneByOne/"+c.name, func(t *testing.T) {
			open := factory(t)
			c.fn(t, func(ctx context.Context, streams []bus.Stream) (Bus, error) {
				b, err := open(ctx, streams)
				if err != nil {
					return nil, err
				}
				return batchOneByOne{b}, nil
			})
		})
	}
	batchCases := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"SizeAndOrder", testBatchSizeAndOrder},
		{"PerMessageOutcomes", testBatchPerMessageOutcomes},
		{"WholeBatchError", testBatchWholeError},
		{"AckDurable", testBatchAckDurable},
	}
	for _, c := range batchCases {
		t.Run("Batch/"+c.name, func(t *testing.T) {
			c.fn(t, factory(t))
		})
	}
}
