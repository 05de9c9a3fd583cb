package parse

import (
	"testing"
)

// FuzzProcess feeds arbitrary lines, under the programs of the shipped
// sets, to the shipped rules: no panic, and every alert is valid V08.
func FuzzProcess(f *testing.F) {
	e := builtin(f)
	for _, s := range e.sets {
		for _, r := range s.rules {
			for i := range r.samples {
				ev, err := r.sampleEvent(&r.samples[i])
				if err == nil && ev.Fields == nil {
					f.Add(ev.AppName, ev.Message)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, program, line string) {
		alerts, id, err := e.Process(syslogEvent(program, line))
		if err != nil {
			if id == "" {
				t.Fatalf("error without a rule: %v", err)
			}
			return
		}
		for _, a := range alerts {
			if !a.Validate().Valid() {
				t.Fatalf("rule %s: invalid alert: %v", id, a.Validate().Errors())
			}
		}
	})
}

// FuzzLoad feeds arbitrary rule files to the loader: errors, never a panic.
func FuzzLoad(f *testing.F) {
	srcs, err := BuiltinSources()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range srcs {
		f.Add(s.Data)
	}
	f.Add([]byte("ruleset: x\nrules:\n  - id: x.a\n    grok: '%{WORD:w}'\n    map: {Description: '{{w|lookup:t}}'}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := New([]Source{{Name: "f.yaml", Data: data}}, Options{})
		if err == nil {
			e.CheckSamples()
		}
	})
}
