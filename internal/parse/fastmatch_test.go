package parse

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// fuzzTokens is the alphabet FuzzFastMatch builds patterns from: one byte
// of the fuzzer's pattern input picks one element.
var fuzzTokens = []string{
	"%{WORD:f}", "%{NOTSPACE:f}", "%{SPACE:f}", "%{DATA:f}", "%{GREEDYDATA:f}", "%{INT:f}",
	"%{POSINT:f}", "%{NONNEGINT:f}", "%{USERNAME:f}", "%{IPV4:f}", "%{IP:f}", "%{DATA}", "%{NOTSPACE}",
	" ", ":", ".", "=", "a", "for ", " from ", `\[`, `\]`, `"`, "/", "-", "1", "^", "$",
}

// patternFromBytes builds a simple Grok pattern with numbered fields.
func patternFromBytes(b []byte) string {
	var sb strings.Builder
	n := 0
	for i, c := range b {
		t := fuzzTokens[int(c)%len(fuzzTokens)]
		switch {
		case t == "^" && i != 0, t == "$" && i != len(b)-1:
			continue
		case strings.HasSuffix(t, ":f}"):
			t = strings.Replace(t, ":f}", fmt.Sprintf(":f%d}", n), 1)
			n++
		}
		sb.WriteString(t)
	}
	return sb.String()
}

// checkSame runs the scanner and go-grok's regular expression on line and
// reports any difference where the scanner decided.
func checkSame(t *testing.T, src, line string) {
	t.Helper()
	p := compiledForTest(src)
	if p == nil || p.fast == nil {
		return
	}
	spans := make([]int, 2*len(p.fields))
	res := p.fast.match(line, spans)
	if res == undecided {
		return
	}
	want := p.grok.MatchString(line)
	if (res == matched) != want {
		t.Fatalf("pattern %q line %q: scanner match=%v, regexp match=%v", src, line, res == matched, want)
	}
	if !want {
		return
	}
	caps, err := p.grok.ParseString(line)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range p.fields {
		got := ""
		if spans[2*i] >= 0 {
			got = line[spans[2*i]:spans[2*i+1]]
		}
		if got != caps[f] {
			t.Fatalf("pattern %q line %q: field %s: scanner %q, regexp %q", src, line, f, got, caps[f])
		}
	}
}

// testPatterns caches compiled patterns across test cases and fuzz runs.
var testPatterns sync.Map

func compiledForTest(src string) *pattern {
	if p, ok := testPatterns.Load(src); ok {
		return p.(*pattern)
	}
	p, err := compileGrok(src, nil)
	if err != nil {
		p = nil
	}
	testPatterns.Store(src, p)
	return p
}

// TestFastMatchSame checks hand-picked cases where backtracking,
// boundaries and IPv4 octet alternatives matter.
func TestFastMatchSame(t *testing.T) {
	cases := []struct{ pattern, line string }{
		{"%{NOTSPACE:a}:%{NOTSPACE:b}", "x:y:z w"},
		{"%{DATA:a}:%{GREEDYDATA:b}", "k:v:w"},
		{"%{WORD:w} %{INT:n}", "foo_bar -12 x"},
		{"%{WORD:w} %{INT:n}", "é foo 12"},
		{"%{POSINT:p}x", "a 0 12x 3x"},
		{"%{NONNEGINT:p} ", "ab12 07 "},
		{"%{IPV4:ip} port", "1.2.3.456 port 1.2.3.45 port"},
		{"%{IPV4:ip}/", "300.1.1.1/ 10.0.0.255/"},
		{"%{IP:ip}", "host 10.0.0.1"},
		{"%{IP:ip}", "fe80::1 and 10.0.0.1"},
		{"^%{USERNAME:u}$", "alice.b-c_d"},
		{"^%{USERNAME:u}$", "alice b"},
		{"%{INT:n}%{INT:m}", "+123"},
		{"%{SPACE:s}x", "a  \tx"},
		{"%{DATA:a}", ""},
		{`\[%{DATA:ts}\] "%{WORD:m}`, `[23/Nov/2026:10:00:00 +0100] "GET /`},
		{"%{USERNAME:u}é%{GREEDYDATA:r}", "abéé-é"},
	}
	for _, c := range cases {
		checkSame(t, c.pattern, c.line)
	}
}

// FuzzFastMatch is the differential test: for any simple pattern and line,
// the scanner finds the same match and captures as go-grok's regular
// expression, or leaves the line to it.
func FuzzFastMatch(f *testing.F) {
	f.Add([]byte{0, 14, 1}, "foo bar")
	f.Add([]byte{1, 15, 1}, "a:b:c")
	f.Add([]byte{20, 3, 21, 14, 0}, "[x] y")
	f.Add([]byte{18, 9, 19, 5}, "for 1.2.3.4 from 22")
	f.Add([]byte{26, 8, 27}, "alice")
	f.Add([]byte{10, 14, 6}, "2001:db8::1 80")
	srcs, err := BuiltinSources()
	if err != nil {
		f.Fatal(err)
	}
	e, err := New(srcs, Options{})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range e.sets {
		for _, r := range s.rules {
			for _, sm := range r.samples {
				if sm.text != "" {
					f.Add([]byte{0, 14, 4}, sm.text)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, pat []byte, line string) {
		if len(pat) > 12 || len(line) > 512 {
			return
		}
		checkSame(t, patternFromBytes(pat), line)
	})
}

// TestFastMatchShipped checks every shipped sample line against the
// pattern of every shipped rule that has a scanner.
func TestFastMatchShipped(t *testing.T) {
	srcs, err := BuiltinSources()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(srcs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var pats []string
	var lines []string
	fast := 0
	for _, s := range e.sets {
		for _, r := range s.rules {
			if r.pat != nil && r.pat.grok != nil {
				pats = append(pats, r.pat.src)
				if r.pat.fast != nil {
					fast++
				}
			}
			for _, sm := range r.samples {
				lines = append(lines, sm.text)
			}
		}
	}
	if fast < len(pats)/2 {
		t.Errorf("only %d of %d shipped Grok patterns run on the scanner", fast, len(pats))
	}
	for _, p := range pats {
		for _, l := range lines {
			checkSame(t, p, l)
		}
	}
}
