package tail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-siem/vigie/internal/logevent"
)

// Format is how a file's lines are read.
type Format string

// The formats.
const (
	FormatText  Format = "text"  // each line is a message
	FormatJSONL Format = "jsonl" // each line is a JSON object (Event.Fields)
)

// Line is one line read, with its number in the file (1-based).
type Line struct {
	logevent.Event
	Number int64
}

// Handler receives the lines of one file in batches, in file order. When
// it returns an error the batch is handed again at the next poll; the
// position moves on only after success.
type Handler interface {
	HandleLines(ctx context.Context, lines []Line) error
}

// Spec is one followed path or glob.
type Spec struct {
	// Path is a file name or a glob (filepath.Match syntax).
	Path   string
	Format Format
	// TimeField is the JSON field holding the event time (jsonl only):
	// RFC 3339 text (with or without the colon in the zone) or Unix
	// seconds.
	TimeField string
	// Handler overrides Options.Handler for this spec.
	Handler Handler
}

// Options configures New. Zero values mean the defaults stated.
type Options struct {
	Specs []Spec
	// Handler receives lines of specs without their own (required unless
	// every spec has one).
	Handler Handler
	// PositionsFile keeps the read positions across restarts (required).
	PositionsFile string
	// Poll is how often files are checked for growth, rotation and new
	// matches; 0 means 250 ms.
	Poll time.Duration
	// MaxLineBytes cuts longer lines (counted); 0 means 1 MiB.
	MaxLineBytes int
	// BatchSize bounds the lines per hand-off; 0 means 500.
	BatchSize  int
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time
}

// Follower follows files and hands their new lines to a handler.
type Follower struct {
	opts  Options
	log   *slog.Logger
	m     *metrics
	pos   *positions
	files map[fileID]*file // open files by identity
	seq   int64
}

// fileID is a file's identity: device and inode.
type fileID struct{ dev, ino uint64 }

func (id fileID) key() string {
	return strconv.FormatUint(id.dev, 10) + ":" + strconv.FormatUint(id.ino, 10)
}

type file struct {
	id     fileID
	path   string
	spec   *Spec
	f      *os.File
	offset int64
	line   int64
	fp     string // fingerprint of the head read so far, fpLen bytes
	fpLen  int
	seen   bool  // matched at the last scan
	seq    int64 // order of discovery: a rotated file is read before its successor
}

// New checks the options and loads the positions.
func New(opts Options) (*Follower, error) {
	if opts.PositionsFile == "" {
		return nil, errors.New("tail: Options.PositionsFile is required")
	}
	for i := range opts.Specs {
		s := &opts.Specs[i]
		if s.Path == "" {
			return nil, fmt.Errorf("tail: spec %d: empty path", i)
		}
		if _, err := filepath.Match(s.Path, ""); err != nil {
			return nil, fmt.Errorf("tail: spec %q: %w", s.Path, err)
		}
		if s.Format == "" {
			s.Format = FormatText
		}
		if s.Format != FormatText && s.Format != FormatJSONL {
			return nil, fmt.Errorf("tail: spec %q: format %q: want text or jsonl", s.Path, s.Format)
		}
		if s.Handler == nil && opts.Handler == nil {
			return nil, fmt.Errorf("tail: spec %q: no handler", s.Path)
		}
	}
	if opts.Poll <= 0 {
		opts.Poll = 250 * time.Millisecond
	}
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = 1 << 20
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	pos, err := loadPositions(opts.PositionsFile)
	if err != nil {
		return nil, err
	}
	return &Follower{opts: opts, log: opts.Logger, m: m, pos: pos, files: map[fileID]*file{}}, nil
}

// Run follows the files until ctx ends, then closes them; positions are
// saved after every batch the handler accepted.
func (f *Follower) Run(ctx context.Context) error {
	t := time.NewTicker(f.opts.Poll)
	defer t.Stop()
	defer f.closeAll()
	for {
		f.Poll(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Poll does one pass: find the matching files, read what they gained,
// and let go of the files that are gone and fully read.
func (f *Follower) Poll(ctx context.Context) {
	for _, fl := range f.files {
		fl.seen = false
	}
	for i := range f.opts.Specs {
		spec := &f.opts.Specs[i]
		matches, _ := filepath.Glob(spec.Path) // the pattern was checked in New
		sort.Strings(matches)
		for _, p := range matches {
			f.track(spec, p)
		}
	}
	ids := make([]fileID, 0, len(f.files))
	for id := range f.files {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return f.files[ids[i]].seq < f.files[ids[j]].seq })
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		fl := f.files[id]
		eof, err := f.read(ctx, fl)
		if err != nil {
			f.log.Warn("tail: read", "file", fl.path, "err", err)
			continue
		}
		if !fl.seen && eof {
			// Renamed away or deleted, and read to its end.
			fl.f.Close()
			delete(f.files, id)
			f.pos.drop(id.key())
		}
	}
	f.m.files.Set(float64(len(f.files)))
	if err := f.pos.save(); err != nil {
		f.log.Error("tail: save positions", "err", err)
	}
}

// track opens path if its identity is new and marks it seen.
func (f *Follower) track(spec *Spec, path string) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return
	}
	id := identity(st)
	if fl, ok := f.files[id]; ok {
		fl.seen = true
		fl.path = path
		return
	}
	fh, err := os.Open(path)
	if err != nil {
		f.log.Warn("tail: open", "file", path, "err", err)
		return
	}
	f.seq++
	fl := &file{id: id, path: path, spec: spec, f: fh, seen: true, seq: f.seq}
	if p, ok := f.pos.get(id.key()); ok && p.Fingerprint == fingerprint(fh, p.FingerprintLen) {
		fl.offset, fl.line, fl.fp, fl.fpLen = p.Offset, p.Line, p.Fingerprint, p.FingerprintLen
	}
	f.files[id] = fl
}

func identity(st os.FileInfo) fileID {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return fileID{dev: uint64(s.Dev), ino: uint64(s.Ino)}
	}
	return fileID{}
}

// fingerprintMax is the head bytes that identify a file's content.
const fingerprintMax = 256

// fingerprint hashes the first n bytes of f; "" when f has fewer.
func fingerprint(f *os.File, n int) string {
	if n <= 0 {
		return ""
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, 0); err != nil {
		return ""
	}
	h := sha256.Sum256(buf)
	return hex.EncodeToString(h[:8])
}

// read hands the complete lines after fl.offset to the handler in
// batches. It reports whether it reached the end of the file.
func (f *Follower) read(ctx context.Context, fl *file) (eof bool, err error) {
	st, err := fl.f.Stat()
	if err != nil {
		return false, err
	}
	// Truncated in place (copytruncate): shorter than what was read, or,
	// when it grew back past that before this poll, another head.
	if st.Size() < fl.offset || (fl.fpLen > 0 && fingerprint(fl.f, fl.fpLen) != fl.fp) {
		f.m.truncations.Inc()
		f.log.Info("tail: file truncated; reading from the start", "file", fl.path)
		fl.offset, fl.line, fl.fp, fl.fpLen = 0, 0, "", 0
	}
	if st.Size() == fl.offset {
		return true, nil
	}
	if _, err := fl.f.Seek(fl.offset, io.SeekStart); err != nil {
		return false, err
	}
	h := fl.spec.Handler
	if h == nil {
		h = f.opts.Handler
	}
	r := newLineReader(fl.f, f.opts.MaxLineBytes)
	var batch []Line
	var next int64 // offset after the batch
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := h.HandleLines(ctx, batch); err != nil {
			f.m.handlerErrors.Inc()
			return fmt.Errorf("handler: %w", err)
		}
		f.m.lines.Add(float64(len(batch)))
		fl.offset = next
		fl.line = batch[len(batch)-1].Number
		if fl.fpLen < fingerprintMax {
			fl.fpLen = min(fingerprintMax, int(fl.offset))
			fl.fp = fingerprint(fl.f, fl.fpLen)
		}
		f.pos.set(fl.id.key(), position{Path: fl.path, Offset: fl.offset, Line: fl.line, Fingerprint: fl.fp, FingerprintLen: fl.fpLen})
		batch = batch[:0]
		return f.pos.save()
	}
	consumed := fl.offset
	number := fl.line
	for {
		text, n, truncated, err := r.next()
		if errors.Is(err, io.EOF) {
			break // a partial last line stays for the next poll
		}
		if err != nil {
			return false, err
		}
		consumed += int64(n)
		number++
		if truncated {
			f.m.truncated.Inc()
		}
		batch = append(batch, Line{Event: f.event(fl, text), Number: number})
		next = consumed
		if len(batch) >= f.opts.BatchSize {
			if err := flush(); err != nil {
				return false, err
			}
		}
	}
	if err := flush(); err != nil {
		return false, err
	}
	return fl.offset == st.Size(), nil
}

func (f *Follower) event(fl *file, text []byte) logevent.Event {
	return makeEvent(InputName(fl.path), f.opts.Now(), text, fl.spec, f.m)
}

// makeEvent builds the Event of one line.
func makeEvent(input string, now time.Time, text []byte, spec *Spec, m *metrics) logevent.Event {
	ev := logevent.New(input, now, append([]byte(nil), text...))
	if spec.Format != FormatJSONL {
		return ev
	}
	var obj map[string]any
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	if err := d.Decode(&obj); err != nil || obj == nil {
		m.unparsed.Inc()
		return ev
	}
	ev.Fields = obj
	for _, k := range []string{"message", "msg"} {
		if s, ok := obj[k].(string); ok {
			ev.Message = s
			break
		}
	}
	for _, k := range []string{"host", "hostname"} {
		if s, ok := obj[k].(string); ok {
			ev.Hostname = s
			break
		}
	}
	if spec.TimeField != "" {
		if t, ok := parseTime(obj[spec.TimeField]); ok {
			ev.Time = t
		}
	}
	return ev
}

// parseTime reads a JSON time: RFC 3339 text (also "+0000" zones, as
// Suricata writes) or Unix seconds.
func parseTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700", "2006-01-02 15:04:05.999999999Z07:00"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t, true
			}
		}
	case json.Number:
		if s, err := x.Float64(); err == nil && s > 0 {
			sec := int64(s)
			return time.Unix(sec, int64((s-float64(sec))*1e9)).UTC(), true
		}
	}
	return time.Time{}, false
}

func (f *Follower) closeAll() {
	for id, fl := range f.files {
		fl.f.Close()
		delete(f.files, id)
	}
	if err := f.pos.save(); err != nil {
		f.log.Error("tail: save positions", "err", err)
	}
}

// ReadAll reads r to its end once (stdin, `vigie logs import`), handing
// its lines to h in batches of batchSize, with input as Event.Input.
func ReadAll(ctx context.Context, r io.Reader, input string, spec Spec, h Handler, batchSize int) (int64, error) {
	if batchSize <= 0 {
		batchSize = 500
	}
	if spec.Format == "" {
		spec.Format = FormatText
	}
	m, _ := newMetrics(nil)
	lr := newLineReader(r, 1<<20)
	var batch []Line
	var number int64
	for {
		text, _, _, err := lr.next()
		if errors.Is(err, io.EOF) && len(text) > 0 {
			err = nil // the last line need not end with LF
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return number, fmt.Errorf("read %s: %w", input, err)
		}
		if err == nil {
			number++
			batch = append(batch, Line{Event: makeEvent(input, time.Now(), text, &spec, m), Number: number})
		}
		if len(batch) >= batchSize || (errors.Is(err, io.EOF) && len(batch) > 0) {
			if herr := h.HandleLines(ctx, batch); herr != nil {
				return number, herr
			}
			batch = batch[:0]
		}
		if err != nil {
			return number, nil
		}
	}
}

// InputName is the Event.Input of a followed file.
func InputName(path string) string { return "file:" + strings.TrimSpace(path) }
