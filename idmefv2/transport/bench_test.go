package transport

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// discardSink accepts everything at no cost, so benchmarks measure the
// handler alone.
var discardSink = SinkFunc(func(context.Context, []Message) error { return nil })

func benchHandler(b *testing.B, v Validator, body []byte) {
	h := newTestHandler(b, Options{Sink: discardSink, Validator: v})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", jsonType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkHandlerSingle handles one typical alert (a Suricata alert of
// 2.3 kB) per request, in process: transport overhead only ("none"), and
// with the toy test validator that decodes the message ("testvalidator").
func BenchmarkHandlerSingle(b *testing.B) {
	msg := readTestdata(b, "suricata.json")
	b.Run("none", func(b *testing.B) { benchHandler(b, nil, msg) })
	b.Run("testvalidator", func(b *testing.B) { benchHandler(b, testValidator, msg) })
}

// BenchmarkHandlerBatch100 handles a JSON array of 100 typical alerts per
// request.
func BenchmarkHandlerBatch100(b *testing.B) {
	msg := readTestdata(b, "suricata.json")
	batch := joinArray(repeat(msg, 100))
	b.Run("none", func(b *testing.B) { benchHandler(b, nil, batch) })
	b.Run("testvalidator", func(b *testing.B) { benchHandler(b, testValidator, batch) })
}

// BenchmarkClientSendLoopback sends one alert per request through Client
// and a Handler over loopback HTTP/1.1 with keep-alive, sequentially and
// in parallel.
func BenchmarkClientSendLoopback(b *testing.B) {
	msg := readTestdata(b, "suricata.json")
	srv := httptest.NewServer(newTestHandler(b, Options{Sink: discardSink}))
	defer srv.Close()
	c, err := NewClient(ClientOptions{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.Run("sequential", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := c.Send(b.Context(), msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := c.Send(context.Background(), msg); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("batch100", func(b *testing.B) {
		msgs := repeat(msg, 100)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.SendBatch(b.Context(), msgs); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func repeat(msg []byte, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = msg
	}
	return out
}
