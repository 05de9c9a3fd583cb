package nats

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/bus"
	"github.com/vigie-siem/vigie/internal/cputime"
)

// benchSizes are payload sizes around a typical IDMEFv2 alert.
var benchSizes = []int{512, 1024}

func openBench(b *testing.B, pack bool) *Bus {
	b.Helper()
	streams := []bus.Stream{{Subject: bus.SubjectIn, MaxBytes: -1}, {Subject: bus.SubjectDead}}
	bb, err := Open(b.Context(), Options{DataDir: b.TempDir(), Streams: streams, Pack: pack})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = bb.Close(context.Background()) })
	return bb
}

func benchMsg(i, size int) bus.Message {
	data := make([]byte, size)
	copy(data, fmt.Sprintf(`{"ID":"%d"}`, i))
	return bus.Message{
		Subject: bus.SubjectIn,
		Key:     strconv.Itoa(i),
		Data:    data,
		Header:  map[string]string{bus.HeaderContentType: "application/json", bus.HeaderSender: "bench"},
	}
}

func reportRate(b *testing.B, msgs int) {
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
}

// reportCPU reports the process's CPU time per message since cpu0 (the
// embedded server included): steadier than rates on a shared machine.
func reportCPU(b *testing.B, cpu0 time.Duration, msgs int) {
	b.ReportMetric(float64((cputime.Process()-cpu0).Nanoseconds())/1e3/float64(msgs), "cpu-µs/msg")
}

// BenchmarkPublish: one synchronous publish per op, waiting for the
// stream's acknowledgement (what an HTTP sender waits for).
func BenchmarkPublish(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			bb := openBench(b, false)
			ctx := b.Context()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := bb.Publish(ctx, benchMsg(i, size)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			reportRate(b, i)
		})
	}
}

// BenchmarkPublishBatch: one PublishBatch call per op (asynchronous publishes,
// then all acknowledgements), one NATS message per bus message or packed.
func BenchmarkPublishBatch(b *testing.B) {
	for _, pack := range []bool{false, true} {
		for _, batch := range []int{100, 1000} {
			for _, size := range benchSizes {
				b.Run(fmt.Sprintf("pack=%t/batch=%d/size=%d", pack, batch, size), func(b *testing.B) {
					bb := openBench(b, pack)
					cpu0 := cputime.Process()
					ctx := b.Context()
					ms := make([]bus.Message, batch)
					b.SetBytes(int64(size * batch))
					b.ReportAllocs()
					n := 0
					for b.Loop() {
						for j := range ms {
							ms[j] = benchMsg(n, size)
							n++
						}
						if err := bb.PublishBatch(ctx, ms); err != nil {
							b.Fatal(err)
						}
					}
					reportRate(b, n)
					reportCPU(b, cpu0, n)
				})
			}
		}
	}
}

// BenchmarkConsume: b.N messages are stored first (untimed), then consumed
// and acknowledged through a durable consumer.
func BenchmarkConsume(b *testing.B) {
	for _, conc := range []int{1, 64} {
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("concurrency=%d/size=%d", conc, size), func(b *testing.B) {
				bb := openBench(b, false)
				ctx := b.Context()
				const chunk = 1000
				ms := make([]bus.Message, 0, chunk)
				for i := range b.N {
					ms = append(ms, benchMsg(i, size))
					if len(ms) == chunk || i == b.N-1 {
						if err := bb.PublishBatch(ctx, ms); err != nil {
							b.Fatal(err)
						}
						ms = ms[:0]
					}
				}
				var handled atomic.Int64
				done := make(chan struct{})
				cctx, cancel := context.WithCancel(ctx)
				defer cancel()
				h := func(context.Context, bus.Delivery) error {
					if handled.Add(1) == int64(b.N) {
						close(done)
					}
					return nil
				}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				errc := make(chan error, 1)
				go func() { errc <- bb.Consume(cctx, bus.SubjectIn, "bench", bus.ConsumeOptions{Concurrency: conc}, h) }()
				select {
				case <-done:
				case err := <-errc:
					b.Fatalf("Consume returned early: %v", err)
				}
				b.StopTimer()
				reportRate(b, b.N)
				cancel()
				<-errc
			})
		}
	}
}

// BenchmarkConsumeBatch: as BenchmarkConsume, through ConsumeBatch (batches
// of up to 500, one confirmed acknowledgement per batch), published one NATS
// message per bus message or packed (chunks of 1000).
func BenchmarkConsumeBatch(b *testing.B) {
	for _, pack := range []bool{false, true} {
		for _, conc := range []int{1, 2} {
			for _, size := range benchSizes {
				b.Run(fmt.Sprintf("pack=%t/concurrency=%d/size=%d", pack, conc, size), func(b *testing.B) {
					bb := openBench(b, pack)
					ctx := b.Context()
					const chunk = 1000
					ms := make([]bus.Message, 0, chunk)
					for i := range b.N {
						ms = append(ms, benchMsg(i, size))
						if len(ms) == chunk || i == b.N-1 {
							if err := bb.PublishBatch(ctx, ms); err != nil {
								b.Fatal(err)
							}
							ms = ms[:0]
						}
					}
					var handled atomic.Int64
					done := make(chan struct{})
					cctx, cancel := context.WithCancel(ctx)
					defer cancel()
					h := func(_ context.Context, ds []bus.Delivery) error {
						if handled.Add(int64(len(ds))) == int64(b.N) {
							close(done)
						}
						return nil
					}
					b.SetBytes(int64(size))
					b.ReportAllocs()
					b.ResetTimer()
					cpu0 := cputime.Process()
					errc := make(chan error, 1)
					go func() {
						errc <- bb.ConsumeBatch(cctx, bus.SubjectIn, "bench", bus.ConsumeOptions{Concurrency: conc}, h)
					}()
					select {
					case <-done:
					case err := <-errc:
						b.Fatalf("ConsumeBatch returned early: %v", err)
					}
					b.StopTimer()
					reportRate(b, b.N)
					reportCPU(b, cpu0, b.N)
					cancel()
					<-errc
				})
			}
		}
	}
}
