package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigie-siem/vigie/internal/config"
)

// TestExternalBusIngestToStored runs the whole server against the machine's
// NATS JetStream server ($VIGIE_TEST_NATS_URL, default
// nats://127.0.0.1:4222) instead of the embedded one: alerts posted to
// ingest must go through the external streams and end up stored. The test
// uses its own subject prefix and deletes its streams afterwards. Without
// a reachable server it skips, except under CI=true (or with the variable
// set), where that is a failure.
func TestExternalBusIngestToStored(t *testing.T) {
	url := externalNATS(t)
	prefix := "vigieit-" + randomHex(t, 6)
	t.Cleanup(func() { deleteStreamsWithPrefix(t, url, prefix) })
	srv, stop := startServer(t, func(c *config.Config) {
		c.Bus.URL = url
		c.Bus.SubjectPrefix = prefix
		c.Bus.Stream.MaxBytes = 64 * config.MiB
	})
	defer stop()
	const batch = 50
	ids := sendAlerts(t, srv, 300, batch, 2)
	waitQueryable(t, srv, ids)
	// The alerts went through the external server: its streams under the
	// prefix hold them, packed (bus.pack, the default): one pack per
	// request on alerts.in, and at least one on alerts.enriched.
	if n, want := streamMessages(t, url, prefix), uint64(len(ids)/batch+1); n < want {
		t.Errorf("external streams under %s hold %d NATS messages, want at least %d", prefix, n, want)
	}
}

// waitQueryable waits until the store holds len(ids) alerts, then checks
// that the first, middle and last of ids can be read through the API.
func waitQueryable(t *testing.T, srv *Server, ids []string) {
	t.Helper()
	waitStored(t, srv, len(ids))
	for _, id := range []string{ids[0], ids[len(ids)/2], ids[len(ids)-1]} {
		var got struct {
			Alert struct{ ID string } `json:"alert"`
		}
		if code := apiGet(t, srv, "/api/v1/alerts/"+id, &got); code != http.StatusOK || got.Alert.ID != id {
			t.Errorf("GET /api/v1/alerts/%s: %d %+v", id, code, got)
		}
	}
}

// externalNATS returns the external JetStream server's URL, or skips (fails
// under CI=true or when the variable is set) if it cannot be reached.
func externalNATS(t *testing.T) string {
	t.Helper()
	url, explicit := os.LookupEnv("VIGIE_TEST_NATS_URL")
	if !explicit {
		url = "nats://127.0.0.1:4222"
	}
	err := func() error {
		nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
		if err != nil {
			return err
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = js.AccountInfo(ctx)
		return err
	}()
	if err != nil {
		msg := "external NATS JetStream at " + url + " unavailable: " + err.Error()
		if os.Getenv("CI") == "true" || explicit {
			t.Fatal(msg)
		}
		t.Skip(msg + " (set VIGIE_TEST_NATS_URL to a JetStream server to run this test)")
	}
	return url
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// withStreams calls fn for every stream of the external server whose name
// comes from prefix (subjects prefix.x are streams PREFIX_X).
func withStreams(t *testing.T, url, prefix string, fn func(ctx context.Context, js jetstream.JetStream, name string)) {
	t.Helper()
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		t.Errorf("external NATS: connect: %v", err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Errorf("external NATS: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := strings.ToUpper(prefix) + "_"
	var names []string
	for name := range js.StreamNames(ctx).Name() {
		if strings.HasPrefix(name, want) {
			names = append(names, name)
		}
	}
	for _, name := range names {
		fn(ctx, js, name)
	}
}

func streamMessages(t *testing.T, url, prefix string) uint64 {
	var n uint64
	withStreams(t, url, prefix, func(ctx context.Context, js jetstream.JetStream, name string) {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Errorf("stream %s: %v", name, err)
			return
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Errorf("stream %s: %v", name, err)
			return
		}
		n += info.State.Msgs
	})
	return n
}

func deleteStreamsWithPrefix(t *testing.T, url, prefix string) {
	withStreams(t, url, prefix, func(ctx context.Context, js jetstream.JetStream, name string) {
		if err := js.DeleteStream(ctx, name); err != nil {
			t.Errorf("cleanup: delete stream %s: %v", name, err)
		}
	})
}
