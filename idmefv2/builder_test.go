package idmefv2

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestNewAlertIsValid(t *testing.T) {
	a, err := NewAlert("sensor-1", AlertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := a.Validate(); len(r.Issues) > 0 {
		t.Fatalf("new alert has issues: %v", r.Issues)
	}
	id, err := uuid.Parse(a.ID)
	if err != nil || id.Version() != 7 {
		t.Errorf("ID %s is not a version 7 UUID (%v)", a.ID, err)
	}
	if _, err := ParseTime(a.CreateTime); err != nil {
		t.Errorf("CreateTime: %v", err)
	}
	if a.Version != VersionV08 || a.Analyzer.Name != "sensor-1" {
		t.Errorf("unexpected alert %+v", a)
	}
}

func TestNewAlertOptions(t *testing.T) {
	now := time.Date(2026, 5, 10, 8, 0, 0, 0, time.FixedZone("", 2*3600))
	a, err := NewAlert("x", AlertOptions{
		Version: VersionV09Dev,
		Now:     func() time.Time { return now },
		NewID:   func() (string, error) { return "3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f", nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.CreateTime != "2026-05-10T08:00:00+02:00" || a.ID != "3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f" || a.Version != VersionV09Dev {
		t.Errorf("options ignored: %+v", a)
	}
	if r := a.Validate(); r.Version != string(VersionV09Dev) || !r.Valid() {
		t.Errorf("report %+v", r)
	}
	failing := errors.New("no entropy")
	if _, err := NewAlert("x", AlertOptions{NewID: func() (string, error) { return "", failing }}); !errors.Is(err, failing) {
		t.Errorf("NewID error not returned: %v", err)
	}
	if _, err := NewAlert("x", AlertOptions{Version: "2.D.V07"}); err == nil {
		t.Error("unsupported version accepted")
	}
}

func TestAddHelpers(t *testing.T) {
	a, err := NewAlert("x", AlertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.AddSource(Source{IP: "192.0.2.1"})
	if err != nil || !matchUUID(s.ID) {
		t.Fatalf("AddSource gave %+v, %v", s, err)
	}
	tg, err := a.AddTarget(Target{ID: "8b2d3f4a-5c6e-4f7a-9b0c-1d2e3f4a5b6c"})
	if err != nil || tg.ID != "8b2d3f4a-5c6e-4f7a-9b0c-1d2e3f4a5b6c" {
		t.Fatalf("AddTarget gave %+v, %v", tg, err)
	}
	at, err := a.AddAttachment(Attachment{Name: "pcap1"})
	if err != nil {
		t.Fatal(err)
	}
	at.SetContentBytes([]byte("hello"))
	if _, err := a.AddAttachment(Attachment{Name: "pcap1"}); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Errorf("duplicate name accepted: %v", err)
	}
	if _, err := a.AddAttachment(Attachment{Name: "bad name"}); err == nil {
		t.Error("invalid name accepted")
	}
	j, err := a.AddAttachment(Attachment{Name: "ext"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.SetContentJSON(map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if err := j.SetContentJSON([]int{1}); err == nil {
		t.Error("array content accepted")
	}
	a.Source[0].Attachment = []string{"pcap1"}
	if r := a.Validate(); len(r.Issues) > 0 {
		t.Errorf("issues: %v", r.Issues)
	}
	if got, _ := a.Attachment[0].ContentString(); got != "aGVsbG8=" || *a.Attachment[0].Size != 5 {
		t.Errorf("SetContentBytes gave %q size %d", got, *a.Attachment[0].Size)
	}
}

func TestParseLocalTime(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CEST", 2*3600)
	}
	got, err := ParseLocalTime("2026-05-10T08:00:00.5", paris)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 5, 10, 8, 0, 0, 5e8, paris); !got.Equal(want) {
		t.Errorf("ParseLocalTime = %v, want %v", got, want)
	}
	if _, err := ParseTime("2026-05-10T08:00:00"); err == nil {
		t.Error("ParseTime accepted a timestamp without zone")
	}
	for _, s := range []string{"2026-05-10T08:00:00Z", "2026-05-10T08:00:00.123-05:30", "1999-12-31T23:59:59.999999999+14:00"} {
		tm, err := ParseTime(s)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := time.Parse(time.RFC3339Nano, s)
		if !tm.Equal(want) || FormatTime(tm) != s {
			t.Errorf("ParseTime(%q) = %v, FormatTime = %q", s, tm, FormatTime(tm))
		}
	}
}
