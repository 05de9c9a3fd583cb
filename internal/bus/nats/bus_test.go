package nats

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigie-siem/vigie/internal/bus"
	"github.com/vigie-siem/vigie/internal/bus/bustest"
)

// testLogger discards logs unless VIGIE_TEST_LOG is set (then: stderr, debug).
func testLogger() *slog.Logger {
	if os.Getenv("VIGIE_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// embeddedOpener opens embedded buses over one data directory.
func embeddedOpener(dir string) bustest.Opener {
	return func(ctx context.Context, streams []bus.Stream) (bustest.Bus, error) {
		return Open(ctx, Options{DataDir: dir, Streams: streams, Logger: testLogger()})
	}
}

func TestContractEmbedded(t *testing.T) {
	bustest.Run(t, func(t *testing.T) bustest.Opener { return embeddedOpener(t.TempDir()) })
}

// TestContractEmbeddedPacked runs the suite with packing on, as the server
// runs the bus: every batch-published message travels in a compressed pack.
func TestContractEmbeddedPacked(t *testing.T) {
	bustest.RunWith(t, func(t *testing.T) bustest.Opener {
		dir := t.TempDir()
		return func(ctx context.Context, streams []bus.Stream) (bustest.Bus, error) {
			return Open(ctx, Options{DataDir: dir, Streams: streams, Logger: testLogger(), Pack: true, CompressPacks: true})
		}
	}, bustest.Semantics{PackedBatches: true})
}

// TestContractExternal runs the suite against the machine's NATS server
// ($VIGIE_TEST_NATS_URL, default nats://127.0.0.1:4222). Each test uses its
// own subject prefix and deletes its streams afterwards.
func TestContractExternal(t *testing.T) {
	url := externalURL(t)
	bustest.Run(t, func(t *testing.T) bustest.Opener {
		prefix := uniquePrefix(t)
		t.Cleanup(func() { deleteStreams(t, url, prefix) })
		return func(ctx context.Context, streams []bus.Stream) (bustest.Bus, error) {
			return Open(ctx, Options{URL: url, Prefix: prefix, Streams: streams, Logger: testLogger()})
		}
	})
}

// TestContractExternalPacked: compressed packs through NATS 2.9 (the
// machine's server).
func TestContractExternalPacked(t *testing.T) {
	url := externalURL(t)
	bustest.RunWith(t, func(t *testing.T) bustest.Opener {
		prefix := uniquePrefix(t)
		t.Cleanup(func() { deleteStreams(t, url, prefix) })
		return func(ctx context.Context, streams []bus.Stream) (bustest.Bus, error) {
			return Open(ctx, Options{URL: url, Prefix: prefix, Streams: streams, Logger: testLogger(), Pack: true, CompressPacks: true})
		}
	}, bustest.Semantics{PackedBatches: true})
}

var probe struct {
	once sync.Once
	err  error
}

// externalURL returns the external server's URL, or skips (fails when
// CI=true or when the URL was given explicitly) if it cannot be reached.
func externalURL(t *testing.T) string {
	t.Helper()
	url, explicit := os.LookupEnv("VIGIE_TEST_NATS_URL")
	if !explicit {
		url = "nats://127.0.0.1:4222"
	}
	probe.once.Do(func() {
		nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
		if err != nil {
			probe.err = err
			return
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err = js.AccountInfo(ctx)
		}
		probe.err = err
	})
	if probe.err != nil {
		msg := "external NATS JetStream at " + url + " unavailable: " + probe.err.Error()
		if os.Getenv("CI") == "true" || explicit {
			t.Fatal(msg)
		}
		t.Skip(msg + " (set VIGIE_TEST_NATS_URL to a JetStream server to run these tests)")
	}
	return url
}

func uniquePrefix(t *testing.T) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "vigietest-" + hex.EncodeToString(b[:])
}

// deleteStreams removes the streams created under prefix.
func deleteStreams(t *testing.T, url, prefix string) {
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		t.Errorf("cleanup: connect: %v", err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := names{prefix: prefix}.stream("")
	var doomed []string
	for name := range js.StreamNames(ctx).Name() {
		if strings.HasPrefix(name, want) {
			doomed = append(doomed, name)
		}
	}
	for _, name := range doomed {
		if err := js.DeleteStream(ctx, name); err != nil {
			t.Errorf("cleanup: delete stream %s: %v", name, err)
		}
	}
}
