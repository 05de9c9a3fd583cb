package tail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

type sink struct {
	mu    sync.Mutex
	lines []Line
	fail  bool
}

func (s *sink) HandleLines(_ context.Context, ls []Line) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errors.New("refused")
	}
	s.lines = append(s.lines, ls...)
	return nil
}

func (s *sink) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range s.lines {
		out = append(out, l.Message)
	}
	return out
}

func newFollower(t *testing.T, dir string, h Handler, specs ...Spec) *Follower {
	t.Helper()
	f, err := New(Options{Specs: specs, Handler: h, PositionsFile: filepath.Join(dir, "state", "positions.json"), BatchSize: 3, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

func want(t *testing.T, s *sink, msgs ...string) {
	t.Helper()
	if got := s.messages(); strings.Join(got, "|") != strings.Join(msgs, "|") {
		t.Fatalf("lines = %q, want %q", got, msgs)
	}
}

func TestFollowPartialAndRestart(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "app.log")
	appendFile(t, log, "one\ntwo\r\nthr")
	s := &sink{}
	f := newFollower(t, dir, s, Spec{Path: log})
	ctx := t.Context()
	f.Poll(ctx)
	want(t, s, "one", "two")
	appendFile(t, log, "ee\nfour\n")
	f.Poll(ctx)
	want(t, s, "one", "two", "three", "four")
	if n := s.lines[3].Number; n != 4 {
		t.Errorf("line number = %d, want 4", n)
	}
	f.closeAll()

	// A restart resumes exactly where the last accepted batch ended.
	appendFile(t, log, "five\n")
	s2 := &sink{}
	f2 := newFollower(t, dir, s2, Spec{Path: log})
	f2.Poll(ctx)
	want(t, s2, "five")
	if s2.lines[0].Number != 5 || s2.lines[0].Input != "file:"+log {
		t.Errorf("line = %+v, want number 5 of input file:%s", s2.lines[0], log)
	}
	f2.closeAll()
}

func TestHandlerFailureRetries(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "app.log")
	appendFile(t, log, "a\nb\n")
	s := &sink{fail: true}
	f := newFollower(t, dir, s, Spec{Path: log})
	f.Poll(t.Context())
	s.fail = false
	f.Poll(t.Context())
	want(t, s, "a", "b")
	f.closeAll()
}

func TestRotation(t *testing.T) {
	ctx := t.Context()
	t.Run("rename and create", func(t *testing.T) {
		dir := t.TempDir()
		log := filepath.Join(dir, "app.log")
		appendFile(t, log, "1\n2\n")
		s := &sink{}
		f := newFollower(t, dir, s, Spec{Path: log})
		defer f.closeAll()
		f.Poll(ctx)
		appendFile(t, log, "3\n") // written just before the rotation
		if err := os.Rename(log, log+".1"); err != nil {
			t.Fatal(err)
		}
		appendFile(t, log+".1", "4\n") // late write by the old handle
		appendFile(t, log, "5\n")
		f.Poll(ctx)
		f.Poll(ctx)
		want(t, s, "1", "2", "3", "4", "5")
		if len(f.files) != 1 {
			t.Errorf("following %d files, want the old one released", len(f.files))
		}
	})
	for _, tc := range []struct{ name, before, after string }{
		{"copytruncate", "first line\nsecond line\n", "x\n"},
		{"copytruncate then growth past the old position", "a\n", "bbbb\ncc\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "app.log")
			appendFile(t, log, tc.before)
			s := &sink{}
			f := newFollower(t, dir, s, Spec{Path: log})
			defer f.closeAll()
			f.Poll(ctx)
			if err := os.Truncate(log, 0); err != nil {
				t.Fatal(err)
			}
			appendFile(t, log, tc.after)
			f.Poll(ctx)
			want(t, s, strings.Split(strings.TrimSuffix(tc.before+tc.after, "\n"), "\n")...)
			if got := testutil.ToFloat64(f.m.truncations); got != 1 {
				t.Errorf("truncations = %v, want 1", got)
			}
		})
	}
	t.Run("new files by glob", func(t *testing.T) {
		dir := t.TempDir()
		appendFile(t, filepath.Join(dir, "a.log"), "a1\n")
		s := &sink{}
		f := newFollower(t, dir, s, Spec{Path: filepath.Join(dir, "*.log")})
		defer f.closeAll()
		f.Poll(ctx)
		appendFile(t, filepath.Join(dir, "b.log"), "b1\n")
		appendFile(t, filepath.Join(dir, "skip.txt"), "no\n")
		f.Poll(ctx)
		want(t, s, "a1", "b1")
	})
	t.Run("re-used inode with other content is read from the start", func(t *testing.T) {
		dir := t.TempDir()
		log := filepath.Join(dir, "app.log")
		appendFile(t, log, "old content line\n")
		s := &sink{}
		f := newFollower(t, dir, s, Spec{Path: log})
		f.Poll(ctx)
		f.closeAll()
		// Same inode, other head (rewritten in place while Vigie was down).
		if err := os.WriteFile(log, []byte("NEW content line\nmore\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		s2 := &sink{}
		f2 := newFollower(t, dir, s2, Spec{Path: log})
		defer f2.closeAll()
		f2.Poll(ctx)
		want(t, s2, "NEW content line", "more")
	})
}

func TestJSONLines(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "eve.json")
	appendFile(t, log, `{"timestamp":"2026-11-23T10:00:00.123456+0000","host":"ids1","message":"hello","n":1}`+"\n"+
		`{"ts":1763892000.5}`+"\nnot json\n")
	s := &sink{}
	f := newFollower(t, dir, s, Spec{Path: log, Format: FormatJSONL, TimeField: "timestamp"})
	defer f.closeAll()
	f.Poll(t.Context())
	if len(s.lines) != 3 {
		t.Fatalf("got %d lines", len(s.lines))
	}
	e := s.lines[0].Event
	if e.Fields["host"] != "ids1" || e.Hostname != "ids1" || e.Message != "hello" ||
		!e.Time.Equal(time.Date(2026, 11, 23, 10, 0, 0, 123456000, time.UTC)) {
		t.Errorf("event = %+v", e)
	}
	if s.lines[2].Fields != nil || s.lines[2].Message != "not json" {
		t.Errorf("bad JSON line = %+v, want kept as text", s.lines[2].Event)
	}
	if ts, ok := parseTime(s.lines[1].Fields["ts"]); !ok || ts.Unix() != 1763892000 {
		t.Errorf("unix seconds = %v %v", ts, ok)
	}
}

func TestReadAll(t *testing.T) {
	s := &sink{}
	var in strings.Builder
	for i := range 7 {
		fmt.Fprintf(&in, "line %d\n", i)
	}
	in.WriteString("last without LF")
	n, err := ReadAll(t.Context(), strings.NewReader(in.String()), "stdin", Spec{}, s, 3)
	if err != nil || n != 8 {
		t.Fatalf("ReadAll = %d, %v; want 8 lines", n, err)
	}
	if got := s.messages(); len(got) != 8 || got[7] != "last without LF" || s.lines[7].Number != 8 {
		t.Errorf("lines = %q", got)
	}
}

func TestLongLine(t *testing.T) {
	lr := newLineReader(strings.NewReader(strings.Repeat("x", 200<<10)+"\nok\n"), 1000)
	text, n, tr, err := lr.next()
	if err != nil || len(text) != 1000 || !tr || n != 200<<10+1 {
		t.Fatalf("long line: %d bytes, n %d, truncated %v, %v", len(text), n, tr, err)
	}
	if text, _, _, _ := lr.next(); string(text) != "ok" {
		t.Errorf("next = %q", text)
	}
}

// FuzzLines: any input splits into lines whose byte counts add up to the
// consumed input, and JSON-lines decoding never panics.
func FuzzLines(f *testing.F) {
	for _, s := range []string{"a\nb\r\nc", "{\"ts\":\"x\"}\n", "\n\n", `{"timestamp":1e400}` + "\n"} {
		f.Add([]byte(s))
	}
	m, _ := newMetrics(nil)
	f.Fuzz(func(t *testing.T, in []byte) {
		lr := newLineReader(strings.NewReader(string(in)), 64)
		total := 0
		for range len(in) + 1 {
			text, n, _, err := lr.next()
			if err != nil {
				break
			}
			total += n
			makeEvent("fuzz", time.Time{}, text, &Spec{Format: FormatJSONL, TimeField: "timestamp"}, m)
		}
		if total > len(in) {
			t.Fatalf("consumed %d of %d bytes", total, len(in))
		}
	})
}

// TestNoLossNoDuplicate writes numbered lines with rename rotations and a
// restart in the middle, polling in between, and checks
// that every line arrives exactly once.
func TestNoLossNoDuplicate(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "app.log")
	s := &sink{}
	spec := Spec{Path: filepath.Join(dir, "app.log*")}
	f := newFollower(t, dir, s, spec)
	const total = 2000
	for i := range total {
		appendFile(t, log, fmt.Sprintf("line %d\n", i))
		switch {
		case i%300 == 299:
			// Rotate: the old file keeps its name pattern, so it stays matched.
			if err := os.Rename(log, fmt.Sprintf("%s.%d", log, i)); err != nil {
				t.Fatal(err)
			}
		case i%97 == 0:
			f.Poll(t.Context())
		case i == 1000:
			f.closeAll() // restart
			f = newFollower(t, dir, s, spec)
		}
	}
	f.Poll(t.Context())
	f.Poll(t.Context())
	f.closeAll()
	got := s.messages()
	if len(got) != total {
		t.Fatalf("got %d lines, want %d", len(got), total)
	}
	seen := map[string]bool{}
	for _, m := range got {
		if seen[m] {
			t.Fatalf("%q read twice", m)
		}
		seen[m] = true
	}
	for i := range total {
		if !seen[fmt.Sprintf("line %d", i)] {
			t.Fatalf("line %d lost", i)
		}
	}
}
