package nats

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"

	"github.com/vigie-siem/vigie/internal/bus"
)

// testMaxDecoded is what a compressed pack may decode to in these tests:
// the embedded server's default payload limit.
const testMaxDecoded = 1 << 20

func packMembers(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = i
	}
	return m
}

func TestPackRoundTrip(t *testing.T) {
	ms := []bus.Message{
		{Key: "a1", Data: []byte(`{"ID":"a1"}`), Header: map[string]string{bus.HeaderSender: "token:s1", bus.HeaderReceived: "2026-11-23T10:00:00Z"}},
		{Data: []byte{}}, // no key, no header, empty data
		{Key: "é\x00k", Data: bytes.Repeat([]byte("x"), 70000)}, // lengths above one varint byte
	}
	members := packMembers(len(ms))
	size := 0
	for i := range ms {
		size += packSize(&ms[i])
	}
	data := encodePack(nil, ms, members)
	if len(data) != size+1 {
		t.Errorf("encoded %d bytes, packSize said %d (+1 version byte)", len(data), size)
	}
	got, err := decodePack(data, len(ms), testMaxDecoded)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ms, got, cmp.Comparer(func(a, b []byte) bool { return bytes.Equal(a, b) })); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	// Members alias the pack's buffer (the consumer's own) but not one
	// another: appending to one never overwrites the next.
	_ = append(got[0].Data, "overwrite"...)
	if got[1].Key != "" || len(got[2].Data) != 70000 || got[2].Data[0] != 'x' {
		t.Error("appending to a member's Data changed the next members")
	}
	// Compressed, the same messages, in far fewer bytes (70,000 x).
	z := compressPack(make([]byte, 3), data)
	if z[0] != packVersionS2 || len(z) > len(data)/10 {
		t.Errorf("compressed pack: version %d, %d bytes for %d", z[0], len(z), len(data))
	}
	gotZ, err := decodePack(z, len(ms), testMaxDecoded)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ms, gotZ, cmp.Comparer(func(a, b []byte) bool { return bytes.Equal(a, b) })); diff != "" {
		t.Errorf("decoded compressed pack (-want +got):\n%s", diff)
	}
}

// TestPackHeadersShareStrings: members with the same headers share the
// strings, but each has a map of its own.
func TestPackHeadersShareStrings(t *testing.T) {
	h := map[string]string{bus.HeaderSender: "token:s1", bus.HeaderReceived: "2026-11-23T10:00:00Z"}
	ms := []bus.Message{
		{Key: "a1", Data: []byte("1"), Header: h},
		{Key: "a2", Data: []byte("2"), Header: map[string]string{bus.HeaderSender: "token:s1", bus.HeaderReceived: "2026-11-23T10:00:01Z"}},
	}
	got, err := decodePack(encodePack(nil, ms, packMembers(2)), 2, testMaxDecoded)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ms, got, cmp.Comparer(func(a, b []byte) bool { return bytes.Equal(a, b) })); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	got[0].Header["X"] = "mine"
	if _, ok := got[1].Header["X"]; ok {
		t.Error("members share a Header map")
	}
}

// TestKeptDeliveriesIntact: the data and headers of deliveries a handler
// keeps stay as published while later packs arrive (deliveries alias their
// NATS message's payload, which must be theirs alone).
func TestKeptDeliveriesIntact(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) { testKeptDeliveriesIntact(t, compress) })
	}
}

func testKeptDeliveriesIntact(t *testing.T, compress bool) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	b, err := Open(ctx, Options{DataDir: t.TempDir(), Logger: testLogger(), Pack: true, CompressPacks: compress})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(context.Background())
	want := map[string]string{}
	for p := range 20 {
		var ms []bus.Message
		for i := range 50 {
			key := fmt.Sprintf("p%d-%d", p, i)
			data := strings.Repeat(key, 20+i)
			want[key] = data
			ms = append(ms, bus.Message{Subject: bus.SubjectIn, Key: key, Data: []byte(data), Header: map[string]string{"Pack": fmt.Sprint(p)}})
		}
		if err := b.PublishBatch(ctx, ms); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu   sync.Mutex
		kept []bus.Delivery
	)
	done := make(chan struct{})
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		_ = b.ConsumeBatch(cctx, bus.SubjectIn, "keeper", bus.ConsumeOptions{MaxBatch: 70, Concurrency: 1}, func(_ context.Context, ds []bus.Delivery) error {
			mu.Lock()
			defer mu.Unlock()
			kept = append(kept, ds...)
			if len(kept) == len(want) {
				close(done)
			}
			return nil
		})
	}()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("not every delivery came")
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	for _, d := range kept {
		if string(d.Data) != want[d.Key] {
			t.Fatalf("%s: kept data changed to %.40q…", d.Key, d.Data)
		}
		if p, _, _ := strings.Cut(strings.TrimPrefix(d.Key, "p"), "-"); d.Header["Pack"] != p {
			t.Fatalf("%s: kept header Pack %q, want %q", d.Key, d.Header["Pack"], p)
		}
	}
}

func TestDecodePackRejects(t *testing.T) {
	ms := []bus.Message{{Key: "k", Data: []byte("d"), Header: map[string]string{"H": "v"}}}
	good := encodePack(nil, ms, []int{0})
	cases := []struct {
		name string
		data []byte
		n    int
		want string
	}{
		{"Empty", nil, 1, "unknown version"},
		{"Version", append([]byte{9}, good[1:]...), 1, "unknown version"},
		{"Truncated", good[:len(good)-1], 1, "member 0"},
		{"Trailing", append(append([]byte{}, good...), 0), 1, "1 bytes after the last of 1 members"},
		{"FewerThanAnnounced", good, 2, "member 1"},
		{"HugeHeaderCount", []byte{packVersion, 0, 0xff, 0xff, 0x03}, 1, "headers in"},
		{"HugeLength", []byte{packVersion, 0xff, 0xff, 0xff, 0xff, 0x0f}, 1, "field of"},
		{"CompressedEmpty", []byte{packVersionS2}, 1, "compressed"},
		{"CompressedCorrupt", append(compressPack(nil, good)[:4], 0xff, 0xff, 0xff), 1, "compressed"},
		{"CompressedTooBig", binary.AppendUvarint([]byte{packVersionS2}, testMaxDecoded+1), 1, "decodes to"},
		{"CompressedTwice", compressPack(nil, compressPack(nil, good)), 1, "unknown version"},
		{"CompressedTruncated", compressPack(nil, good[:len(good)-1]), 1, "member 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodePack(c.data, c.n, testMaxDecoded)
			if !errors.Is(err, errBadPack) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("decodePack: got %v, want errBadPack mentioning %q", err, c.want)
			}
		})
	}
	for _, v := range []string{"0", "-1", "x", "65536"} {
		if _, err := packCount(nats.Header{headerPack: []string{v}}); !errors.Is(err, errBadPack) {
			t.Errorf("packCount(%q) = %v, want errBadPack", v, err)
		}
	}
}

func FuzzDecodePack(f *testing.F) {
	ms := []bus.Message{
		{Key: "k1", Data: []byte(`{"ID":"k1"}`), Header: map[string]string{"A": "1", "B": ""}},
		{Data: []byte("x")},
	}
	f.Add(encodePack(nil, ms, []int{0, 1}), 2)
	f.Add([]byte{packVersion}, 1)
	f.Add([]byte{packVersion, 0, 0, 0}, 1)
	f.Add(compressPack(nil, encodePack(nil, ms, []int{0, 1})), 2)
	f.Add([]byte{packVersionS2, 3, 8, 1, 0, 0}, 1)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		if n < 1 || n > 64 {
			return
		}
		got, err := decodePack(data, n, testMaxDecoded)
		if err != nil {
			if !errors.Is(err, errBadPack) {
				t.Fatalf("error %v does not wrap errBadPack", err)
			}
			return
		}
		if len(got) != n {
			t.Fatalf("decoded %d members, want %d", len(got), n)
		}
		// What decodes re-encodes to an equivalent pack.
		size := 0
		for i := range got {
			size += packSize(&got[i])
		}
		again, err := decodePack(encodePack(nil, got, packMembers(n)), n, testMaxDecoded)
		if err != nil {
			t.Fatalf("re-encoded pack: %v", err)
		}
		if diff := cmp.Diff(got, again, cmp.Comparer(func(a, b []byte) bool { return bytes.Equal(a, b) })); diff != "" {
			t.Fatalf("re-encoded pack differs (-first +second):\n%s", diff)
		}
	})
}

// TestPackSplitsAndKeepsOrder: MaxPack bounds a pack; messages keep their
// order within a subject, whatever the subjects in between; a lone message
// for a subject is stored as a plain message.
func TestPackSplitsAndKeepsOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	streams := []bus.Stream{{Subject: bus.SubjectIn}, {Subject: bus.SubjectEnriched}, {Subject: bus.SubjectDead}}
	b, err := Open(ctx, Options{DataDir: t.TempDir(), Streams: streams, Logger: testLogger(), Pack: true, MaxPack: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(context.Background())
	var ms []bus.Message
	for i := range 7 {
		ms = append(ms, bus.Message{Subject: bus.SubjectIn, Key: fmt.Sprintf("in%d", i), Data: []byte(fmt.Sprint(i))})
		if i == 3 {
			ms = append(ms, bus.Message{Subject: bus.SubjectEnriched, Key: "lone", Data: []byte("e")})
		}
	}
	if err := b.PublishBatch(ctx, ms); err != nil {
		t.Fatal(err)
	}
	for subject, want := range map[string]uint64{bus.SubjectIn: 3, bus.SubjectEnriched: 1} {
		st, _ := b.stream(subject)
		s, err := b.js.Stream(ctx, st.name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs != want {
			t.Errorf("%s holds %d NATS messages, want %d", subject, info.State.Msgs, want)
		}
	}
	if n, err := b.Pending(ctx, bus.SubjectIn, "nobody"); err != nil || n != 7 {
		t.Errorf("Pending(alerts.in) = %d, %v; want the 7 bus messages", n, err)
	}

	got := make(chan bus.Delivery, 16)
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		_ = b.ConsumeBatch(cctx, bus.SubjectIn, "order", bus.ConsumeOptions{MaxBatch: 2}, func(_ context.Context, ds []bus.Delivery) error {
			for _, d := range ds {
				got <- d
			}
			return nil
		})
	}()
	var keys []string
	var prev uint64
	for range 7 {
		select {
		case d := <-got:
			keys = append(keys, d.Key)
			if d.Position() <= prev {
				t.Errorf("%s: position %d not after %d", d.Key, d.Position(), prev)
			}
			prev = d.Position()
		case <-ctx.Done():
			t.Fatalf("got %v, want 7 deliveries", keys)
		}
	}
	if diff := cmp.Diff([]string{"in0", "in1", "in2", "in3", "in4", "in5", "in6"}, keys); diff != "" {
		t.Errorf("delivery order (-want +got):\n%s", diff)
	}
}

// TestMalformedPackDeadLettered: a pack from some other producer that cannot
// be read is dead-lettered whole, with the reason, not dropped.
func TestMalformedPackDeadLettered(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	b, err := Open(ctx, Options{DataDir: t.TempDir(), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(context.Background())
	st, _ := b.stream(bus.SubjectIn)
	bad := &nats.Msg{Subject: st.subject, Data: []byte{packVersion, 5, 'x'}, Header: nats.Header{headerPack: []string{"2"}}}
	if _, err := b.js.PublishMsg(ctx, bad); err != nil {
		t.Fatal(err)
	}
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	handled := make(chan struct{}, 1)
	go func() {
		_ = b.ConsumeBatch(cctx, bus.SubjectIn, "stage", bus.ConsumeOptions{}, func(context.Context, []bus.Delivery) error {
			handled <- struct{}{}
			return nil
		})
	}()
	dead := make(chan bus.Delivery, 1)
	go func() {
		_ = b.Consume(cctx, bus.SubjectDead, "dl", bus.ConsumeOptions{}, func(_ context.Context, d bus.Delivery) error {
			dead <- d
			return nil
		})
	}()
	select {
	case d := <-dead:
		if r := d.Header[bus.HeaderDeadReason]; !strings.Contains(r, "malformed pack") {
			t.Errorf("dead-letter reason %q, want it to say malformed pack", r)
		}
		if !bytes.Equal(d.Data, bad.Data) {
			t.Errorf("dead letter data %q, want the pack as received %q", d.Data, bad.Data)
		}
	case <-handled:
		t.Fatal("the handler got deliveries from a malformed pack")
	case <-ctx.Done():
		t.Fatal("no dead letter")
	}
}
