package parse

import (
	"encoding/json"
	"testing"
)

// FuzzProcess feeds arbitrary lines and JSON events, under the programs of
// the shipped sets, to the shipped rules: no panic, and every alert is
// valid V08.
func FuzzProcess(f *testing.F) {
	e := builtin(f)
	for _, s := range e.sets {
		for _, r := range s.rules {
			for i := range r.samples {
				ev, err := r.sampleEvent(&r.samples[i])
				if err == nil {
					f.Add(ev.AppName, ev.Message, string(ev.Raw))
					// The same line as a file input reads it from a syslog file.
					f.Add("", "Nov 23 10:00:00 host1 "+ev.AppName+"[7]: "+ev.Message, "")
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, program, line, jsonEvent string) {
		ev := syslogEvent(program, line)
		// A JSON object makes a JSON event (Windows rules test fields).
		_ = json.Unmarshal([]byte(jsonEvent), &ev.Fields)
		alerts, id, err := e.Process(ev)
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
// The seeds are small files that use every part of the format (whole
// shipped files make each run too slow to explore).
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzLoadSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		e, err := New([]Source{{Name: "f.yaml", Data: data}}, Options{})
		if err == nil {
			e.CheckSamples()
		}
	})
}

// fuzzLoadSeeds are small rule files that use every part of the format.
var fuzzLoadSeeds = []string{
	"ruleset: x\nmatch: {program: [a], facility: [auth], input: ['file:*'], when: 'host != \"\"'}\n" +
		"lookups: {t: {a: High, '*': Low}}\npatterns: {X: '[a-z]+'}\nmap: {Analyzer.Model: m}\nrules:\n" +
		"  - id: x.a\n    grok: 'u=%{WORD:w} ip=%{IP:ip} %{X:x}'\n    literals: [u=]\n" +
		"    where: {w: {prefix: [a]}, x: {contains: [b]}}\n" +
		"    map: {Category: [Access.Forced], Priority: '{{w|lookup:t}}', Source(0).IP: '{{ip|ip}}'}\n" +
		"    samples: [{line: 'u=a ip=1.2.3.4 b', event: {host: h}, expect: {Priority: High}}]\n",
	"ruleset: y\nrules:\n  - id: y.a\n    regex: '(?P<n>[0-9]+) (?P<t>\\S+)'\n" +
		"    map: {Category: [Other.Test], StartTime: '{{n|unix}}', Description: '{{t|upper|default:x}}'}\n" +
		"    samples: [{line: '1795428000 a', expect: {Description: A}}]\n",
	"ruleset: z\nmatch: {when: 'fields != nil'}\nrules:\n  - id: z.a\n    where: {fields.a.b: [1, 2], fields.c: {exists: true}}\n" +
		"    alert: false\n    samples: [{fields: {a: {b: 1}, c: x}}]\n",
}

// TestFuzzLoadSeeds: the seeds are valid files whose samples pass, so the
// fuzzer starts from the accepting paths; it also covers custom patterns,
// regex rules, unix times and nested JSON fields.
func TestFuzzLoadSeeds(t *testing.T) {
	for i, s := range fuzzLoadSeeds {
		if errs := Lint([]Source{{Name: "seed.yaml", Data: []byte(s)}}); len(errs) != 0 {
			t.Errorf("seed %d: %v", i, errs)
		}
	}
}
