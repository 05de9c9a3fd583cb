package idmefv2_test

import (
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
)

// The Alertgen benchmarks run on what the SIEM pipeline carries under load:
// 1,000 alerts of the demo generator (about 1 KB each), encoded as ingest
// would receive them, one per iteration in turn.

func alertgenMessages(b *testing.B) ([][]byte, []*idmefv2.Alert) {
	g, err := alertgen.New(alertgen.Options{Seed: 7})
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([][]byte, 1000)
	alerts := make([]*idmefv2.Alert, len(msgs))
	total := 0
	for i := range msgs {
		a := g.Next()
		if msgs[i], err = idmefv2.Encode(a); err != nil {
			b.Fatal(err)
		}
		alerts[i] = a
		total += len(msgs[i])
	}
	b.SetBytes(int64(total / len(msgs)))
	return msgs, alerts
}

// decoded keeps the benchmarks' results, so that the decoded alert is
// allocated on the heap as in real use, not on the benchmark's stack.
var decoded *idmefv2.Alert

func BenchmarkAlertgenDecode(b *testing.B) {
	msgs, _ := alertgenMessages(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a, err := idmefv2.Decode(msgs[i%len(msgs)])
		if err != nil {
			b.Fatal(err)
		}
		decoded = a
	}
}

// BenchmarkAlertgenDecodeShared decodes without copying the input, as the
// pipeline stages do.
func BenchmarkAlertgenDecodeShared(b *testing.B) {
	msgs, _ := alertgenMessages(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a, err := idmefv2.DecodeShared(msgs[i%len(msgs)])
		if err != nil {
			b.Fatal(err)
		}
		decoded = a
	}
}

// BenchmarkAlertgenDecodeSharedCanonical is what the store stage runs: the
// decoding and whether the input is the alert's encoding (it is).
func BenchmarkAlertgenDecodeSharedCanonical(b *testing.B) {
	msgs, _ := alertgenMessages(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a, canonical, err := idmefv2.DecodeSharedCanonical(msgs[i%len(msgs)])
		if err != nil || !canonical {
			b.Fatal(err, canonical)
		}
		decoded = a
	}
}

func BenchmarkAlertgenDecodeValidate(b *testing.B) {
	msgs, _ := alertgenMessages(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a, r := idmefv2.DecodeValidate(msgs[i%len(msgs)])
		if a == nil {
			b.Fatal(r.Issues)
		}
		decoded = a
	}
}

func BenchmarkAlertgenEncode(b *testing.B) {
	_, alerts := alertgenMessages(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := idmefv2.Encode(alerts[i%len(alerts)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAlertgenUnmarshalShared is what the correlation stage runs:
// each message decoded into one reused Alert.
func BenchmarkAlertgenUnmarshalShared(b *testing.B) {
	msgs, _ := alertgenMessages(b)
	var a idmefv2.Alert
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := idmefv2.UnmarshalShared(msgs[i%len(msgs)], &a); err != nil {
			b.Fatal(err)
		}
	}
}
