package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

func testDeadLetters(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	big := bytes.Repeat([]byte("x"), 1<<20)
	var dls []store.DeadLetter
	for i := range 10 {
		sender := "sensor-a"
		if i%2 == 1 {
			sender = "sensor-b"
		}
		dls = append(dls, store.DeadLetter{ReceivedAt: base.Add(time.Duration(i) * time.Minute), Sender: sender,
			Reason: "schema", Problems: []byte(`[{"pointer":"/ID"}]`), Raw: []byte(`{"bad":` + string(rune('0'+i)) + `}`)})
	}
	dls = append(dls, store.DeadLetter{ReceivedAt: base.Add(time.Hour), Sender: "sensor-c", Reason: "json", Raw: big})
	if err := s.PutDeadLetters(ctx, dls); err != nil {
		t.Fatal(err)
	}
	t.Run("bounded raw", func(t *testing.T) {
		got, err := s.DeadLetters(ctx, store.DeadLetterFilter{Sender: "sensor-c"})
		if err != nil || len(got) != 1 {
			t.Fatalf("got %d, %v", len(got), err)
		}
		if !got[0].Truncated() || got[0].RawSize != 1<<20 || len(got[0].Raw) >= 1<<20 {
			t.Errorf("raw %d bytes of %d, truncated %v", len(got[0].Raw), got[0].RawSize, got[0].Truncated())
		}
	})
	t.Run("filter and page", func(t *testing.T) {
		var all []string
		f := store.DeadLetterFilter{Sender: "sensor-a", Limit: 2}
		for {
			page, err := s.DeadLetters(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, d := range page {
				all = append(all, string(d.Raw))
			}
			f.Before = page[len(page)-1].ID
		}
		want := []string{`{"bad":8}`, `{"bad":6}`, `{"bad":4}`, `{"bad":2}`, `{"bad":0}`}
		if diff := cmp.Diff(want, all); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
		n, err := s.CountDeadLetters(ctx, store.DeadLetterFilter{Reason: "schema", From: base.Add(5 * time.Minute)})
		if err != nil || n != 5 {
			t.Errorf("count = %d, %v; want 5", n, err)
		}
		got, _ := s.DeadLetters(ctx, store.DeadLetterFilter{Limit: 1})
		if string(got[0].Problems) != "" || got[0].Reason != "json" {
			t.Errorf("newest = %+v", got[0])
		}
	})
	t.Run("delete and prune", func(t *testing.T) {
		page, _ := s.DeadLetters(ctx, store.DeadLetterFilter{Limit: 2})
		n, err := s.DeleteDeadLetters(ctx, []int64{page[0].ID, page[1].ID, 999999})
		if err != nil || n != 2 {
			t.Errorf("delete = %d, %v; want 2", n, err)
		}
		n, err = s.PruneDeadLetters(ctx, base.Add(3*time.Minute))
		if err != nil || n != 3 {
			t.Errorf("prune = %d, %v; want 3", n, err)
		}
		if left, _ := s.CountDeadLetters(ctx, store.DeadLetterFilter{}); left != 6 {
			t.Errorf("left %d, want 6", left)
		}
		st, _ := s.Stats(ctx, store.Filter{})
		if st.DeadLetters != 6 {
			t.Errorf("Stats.DeadLetters = %d, want 6", st.DeadLetters)
		}
	})
}

func testSensors(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	put(t, ctx, s,
		alert(id(1), base, func(a *idmefv2.Alert) {
			a.Analyzer = idmefv2.Analyzer{Name: "suricata", ID: "an-1", Hostname: "ids.example"}
			a.Sensor = []idmefv2.Sensor{{Name: "tap-1", IP: "10.0.0.5"}, {Name: "tap-2"}}
		}),
		alert(id(2), base, func(a *idmefv2.Alert) {
			a.Analyzer = idmefv2.Analyzer{Name: "suricata", ID: "an-1"}
			a.Sensor = []idmefv2.Sensor{{Name: "tap-1"}}
		}))
	if err := s.Heartbeat(ctx, store.Heartbeat{Kind: store.KindAnalyzer, Name: "wazuh", At: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Heartbeat(ctx, store.Heartbeat{Kind: "robot", Name: "x"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad kind: %v", err)
	}
	got, err := s.Sensors(ctx, store.SensorFilter{OfflineAfter: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Kind           store.SensorKind
		Name, ID, Host string
		IP             string
		Alerts         int64
		Online         bool
	}
	var rows []row
	for _, g := range got {
		rows = append(rows, row{g.Kind, g.Name, g.ID, g.Hostname, g.IP, g.Alerts, g.Online})
	}
	want := []row{
		{store.KindAnalyzer, "suricata", "an-1", "ids.example", "", 2, true},
		{store.KindAnalyzer, "wazuh", "", "", "", 0, false},
		{store.KindSensor, "tap-1", "", "", "10.0.0.5", 2, true},
		{store.KindSensor, "tap-2", "", "", "", 1, true},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("sensors (-want +got):\n%s", diff)
	}
	only, _ := s.Sensors(ctx, store.SensorFilter{Kind: store.KindSensor})
	if len(only) != 2 {
		t.Errorf("sensors of kind sensor: %d, want 2", len(only))
	}
}

func testConcurrent(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	batches := [][]*idmefv2.Alert{generated(t, 21, 300, base), generated(t, 22, 300, base), generated(t, 23, 300, base)}
	errs := make(chan error, len(batches)*2)
	for _, b := range batches {
		go func() {
			for i := 0; i < len(b); i += 50 {
				if _, err := s.PutAlerts(ctx, b[i:i+50]); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
		go func() {
			for range 10 {
				if _, err := s.Search(ctx, store.SearchRequest{Filter: store.Filter{Query: "exists Source.IP"}}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range len(batches) * 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.Stats(ctx, store.Filter{})
	if err != nil || st.Total != 900 {
		t.Errorf("after concurrent writes: total %d, %v; want 900", st.Total, err)
	}
}
