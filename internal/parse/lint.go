package parse

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/logevent"
)

// sampleTime is the Time of a sample event without event.time.
var sampleTime = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// Lint compiles rule files and checks every sample of every rule: the
// sample must be matched by its own rule (not an earlier one), and give an
// alert that validates as V08 and has the expected values. It returns every
// problem, each with its file and line; nil means all is well.
func Lint(srcs []Source) []error {
	e, err := New(srcs, Options{})
	if err != nil {
		return unjoin(err)
	}
	return e.CheckSamples()
}

// unjoin splits a joined error into its parts.
func unjoin(err error) []error {
	for {
		var j interface{ Unwrap() []error }
		if errors.As(err, &j) {
			var out []error
			for _, e := range j.Unwrap() {
				out = append(out, unjoin(e)...)
			}
			return out
		}
		var w interface{ Unwrap() error }
		if errors.As(err, &w) && w.Unwrap() != nil {
			if _, ok := err.(*Error); !ok {
				err = w.Unwrap()
				continue
			}
		}
		return []error{err}
	}
}

// sampleEvent returns the event a sample stands for: its line or fields
// with the header it gives, defaulting to the set's first program and
// facility, host "testhost" and a fixed time.
func (r *rule) sampleEvent(sm *sample) (*logevent.Event, error) {
	ev := logevent.New("sample", sampleTime, []byte(sm.text))
	ev.Time = sampleTime
	ev.Hostname = "testhost"
	if len(r.set.programs) > 0 {
		ev.AppName = r.set.programs[0]
	}
	for f := 0; f < 24; f++ {
		if r.set.facilities&(1<<f) != 0 {
			ev.Facility = f
			break
		}
	}
	if len(r.set.inputs) > 0 && !strings.ContainsAny(r.set.inputs[0], "*?[") {
		ev.Input = r.set.inputs[0]
	}
	h := sm.event
	if h.Program != "" {
		ev.AppName = h.Program
	}
	if h.Host != "" {
		ev.Hostname = h.Host
	}
	if h.Input != "" {
		ev.Input = h.Input
	}
	if h.Facility != "" {
		n, ok := facilityNumber(h.Facility)
		if !ok {
			return nil, fmt.Errorf("event.facility %q is not a syslog facility", h.Facility)
		}
		ev.Facility = n
	}
	if h.Time != "" {
		t, err := idmefv2.ParseTime(h.Time)
		if err != nil {
			return nil, fmt.Errorf("event.time: %w", err)
		}
		ev.Time = t
	}
	if sm.fields != nil {
		// Round-trip through JSON so that numbers are float64 as an input
		// decoding a JSON line would give.
		raw, err := json.Marshal(sm.fields)
		if err != nil {
			return nil, fmt.Errorf("fields: %w", err)
		}
		if err := json.Unmarshal(raw, &ev.Fields); err != nil {
			return nil, fmt.Errorf("fields: %w", err)
		}
		ev.Raw = raw
		if sm.text == "" {
			ev.Message = string(raw)
		}
	}
	return &ev, nil
}

// CheckSamples runs every sample through the engine; see Lint.
func (e *Engine) CheckSamples() []error {
	var errs []error
	for _, s := range e.sets {
		for _, r := range s.rules {
			for i := range r.samples {
				if err := e.checkSample(r, &r.samples[i]); err != nil {
					errs = append(errs, &Error{File: s.file, Line: r.samples[i].line, Msg: fmt.Sprintf("rule %s sample: %v", r.id, err)})
				}
			}
		}
	}
	return errs
}

func (e *Engine) checkSample(r *rule, sm *sample) error {
	ev, err := r.sampleEvent(sm)
	if err != nil {
		return err
	}
	alerts, id, trace, err := e.Explain(ev)
	if err != nil {
		return err
	}
	if id != r.id {
		if id == "" {
			return fmt.Errorf("no rule matched:\n    %s", strings.Join(trace, "\n    "))
		}
		return fmt.Errorf("matched by rule %s instead", id)
	}
	if !r.alert {
		if len(alerts) != 0 {
			return errors.New("alert: false but an alert was made")
		}
		return nil
	}
	if len(alerts) != 1 {
		return fmt.Errorf("%d alerts, want 1", len(alerts))
	}
	a := alerts[0]
	if rep := a.Validate(); !rep.Valid() {
		return fmt.Errorf("invalid V08 alert: %v", rep.Errors())
	}
	return checkExpect(a, sm.expect)
}

// checkExpect compares the alert's values at each expected path.
func checkExpect(a *idmefv2.Alert, expect map[string]any) error {
	keys := make([]string, 0, len(expect))
	for k := range expect {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var errs []error
	for _, k := range keys {
		p, err := idmefv2.ParsePath(k)
		if err != nil {
			errs = append(errs, fmt.Errorf("expect %s: %w", k, err))
			continue
		}
		want := scalars(expect[k])
		vals, _ := idmefv2.Get(a, p)
		var got []string
		for _, v := range vals {
			got = append(got, valueString(v))
		}
		if !slices.Equal(got, want) {
			errs = append(errs, fmt.Errorf("expect %s: got %q, want %q", k, got, want))
		}
	}
	return errors.Join(errs...)
}

// valueString renders a value idmefv2.Get returns.
func valueString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case fmt.Stringer:
		return x.String()
	case json.RawMessage:
		return string(x)
	}
	return fmt.Sprint(v)
}
