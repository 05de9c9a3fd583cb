package idmefv2

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// validAlert returns a small valid alert for the rule tests to break.
func validAlert() *Alert {
	size := int64(4)
	return &Alert{
		Version:    VersionV08,
		ID:         "3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f",
		CreateTime: "2026-05-10T08:00:00Z",
		StartTime:  "2026-05-10T07:55:00+02:00",
		EndTime:    "2026-05-10T07:59:00+02:00",
		Analyzer:   Analyzer{Name: "a", GeoLocation: "48.8584,2.2945"},
		Source:     []Source{{ID: "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b", Port: []int{4444}, Attachment: []string{"pcap1"}}},
		Target:     []Target{{ID: "8b2d3f4a-5c6e-4f7a-9b0c-1d2e3f4a5b6c", Port: []int{1, 65535}}},
		Attachment: []Attachment{{
			Name: "pcap1", Size: &size, ContentEncoding: "base64", Content: json.RawMessage(`"1MOyoQ=="`),
			Hash: []string{"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		}},
	}
}

func TestSpecRules(t *testing.T) {
	if r := validAlert().Validate(); len(r.Issues) > 0 {
		t.Fatalf("base alert has issues: %v", r.Issues)
	}
	type want struct {
		pointer, rule string
		severity      Severity
	}
	for _, tc := range []struct {
		name string
		edit func(a *Alert)
		want []want
	}{
		{"port 0", func(a *Alert) { a.Target[0].Port[0] = 0 }, []want{{"/Target/0/Port/0", "spec.port-range", SeverityError}}},
		{"port 65536", func(a *Alert) { a.Source[0].Port = []int{65536} }, []want{{"/Source/0/Port/0", "spec.port-range", SeverityError}}},
		{"negative size", func(a *Alert) { *a.Attachment[0].Size = -1 }, []want{{"/Attachment/0/Size", "spec.size-range", SeverityError}}},
		{"duplicate attachment", func(a *Alert) { a.Attachment = append(a.Attachment, Attachment{Name: "pcap1"}) },
			[]want{{"/Attachment/1/Name", "spec.attachment-name-unique", SeverityError}}},
		{"dangling reference", func(a *Alert) { a.Target[0].Attachment = []string{"nope"} },
			[]want{{"/Target/0/Attachment/0", "spec.attachment-ref", SeverityError}}},
		{"February 29 of a common year", func(a *Alert) { a.CreateTime = "2026-02-29T10:00:00Z" },
			[]want{{"/CreateTime", "spec.date-time", SeverityError}}},
		{"day 00", func(a *Alert) { a.ReportTime = "2026-05-00T10:00:00Z" }, []want{{"/ReportTime", "spec.date-time", SeverityError}}},
		{"April 31", func(a *Alert) { a.StartTime = "2026-04-31T10:00:00Z" }, []want{{"/StartTime", "spec.date-time", SeverityError}}},
		{"second 60 outside a leap second", func(a *Alert) { a.CreateTime = "2026-05-10T08:00:60Z" },
			[]want{{"/CreateTime", "spec.date-time", SeverityError}}},
		{"no zone", func(a *Alert) { a.CreateTime = "2026-05-10T08:00:00" }, []want{{"/CreateTime", "spec.timezone", SeverityWarning}}},
		{"end before start", func(a *Alert) { a.EndTime = "2026-05-10T05:54:59Z" }, []want{{"/EndTime", "spec.time-order", SeverityError}}},
		{"ext-Category without marker", func(a *Alert) { a.ExtCategory = []string{"Acme.X"} },
			[]want{{"/ext-Category", "spec.ext-value", SeverityError}}},
		{"marker without ext-Category", func(a *Alert) { a.Category = []Category{CategoryReconNetwork, CategoryOtherExtValue} },
			[]want{{"/Category/1", "spec.ext-value", SeverityWarning}}},
		{"analyzer ext-Method without marker", func(a *Alert) { a.Analyzer.ExtMethod = []string{"Magic"} },
			[]want{{"/Analyzer/ext-Method", "spec.ext-value", SeverityError}}},
		{"PredID names itself", func(a *Alert) { a.PredID = []string{"3F2B8C1E-5D4A-4C6B-9E7F-1A2B3C4D5E6F"} },
			[]want{{"/PredID/0", "spec.self-reference", SeverityError}}},
		{"RelID names itself", func(a *Alert) { a.RelID = []string{a.ID} }, []want{{"/RelID/0", "spec.self-reference", SeverityWarning}}},
		{"AggrCondition not a path", func(a *Alert) { a.AggrCondition = []string{"Source.IP", "Source.Bogus"} },
			[]want{{"/AggrCondition/1", "spec.idmef-path", SeverityError}}},
		{"latitude 91", func(a *Alert) { a.Analyzer.GeoLocation = "91,0" }, []want{{"/Analyzer/GeoLocation", "spec.geolocation-range", SeverityError}}},
		{"bad base64", func(a *Alert) { a.Attachment[0].Content = json.RawMessage(`"..."`) },
			[]want{{"/Attachment/0/Content", "spec.content-encoding", SeverityError}}},
		{"object as base64", func(a *Alert) { a.Attachment[0].Content = json.RawMessage(`{}`) },
			[]want{{"/Attachment/0/Content", "spec.content-encoding", SeverityError}}},
		{"unknown encoding", func(a *Alert) { a.Attachment[0].ContentEncoding = "gzip" },
			[]want{{"/Attachment/0/ContentEncoding", "spec.content-encoding", SeverityWarning}}},
		{"short sha256", func(a *Alert) { a.Attachment[0].Hash = []string{"sha256:9f86"} },
			[]want{{"/Attachment/0/Hash/0", "spec.hash-length", SeverityWarning}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := validAlert()
			tc.edit(a)
			var got []want
			for _, i := range a.Validate().Issues {
				got = append(got, want{i.Pointer, i.Rule, i.Severity})
			}
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); d != "" {
				t.Errorf("issues (-want +got):\n%s", d)
			}
		})
	}
}

func TestLeapSecond(t *testing.T) {
	for in, ok := range map[string]bool{
		"2016-12-31T23:59:60Z":      true,
		"2016-12-31T18:59:60-05:00": true,
		"2016-12-30T23:59:60Z":      false,
		"2016-12-31T23:58:60Z":      false,
	} {
		_, err := ParseTime(in)
		if (err == nil) != ok {
			t.Errorf("ParseTime(%q) error = %v, want ok %v", in, err, ok)
		}
	}
}

func TestReportHelpers(t *testing.T) {
	r := Report{Issues: []Issue{
		{Pointer: "/a", Rule: "spec.timezone", Message: "m", Severity: SeverityWarning},
		{Pointer: "", Rule: "required", Message: "n", Severity: SeverityError},
	}}
	if r.Valid() || len(r.Errors()) != 1 || len(r.Warnings()) != 1 {
		t.Errorf("Valid/Errors/Warnings wrong for %v", r)
	}
	if got := fmt.Sprint(r.Issues[0]); got != "warning: /a: m (spec.timezone)" {
		t.Errorf("Issue.String() = %q", got)
	}
	b, err := json.Marshal(r.Issues[1])
	if err != nil || string(b) != `{"pointer":"","rule":"required","message":"n","severity":"error"}` {
		t.Errorf("Issue JSON = %s, %v", b, err)
	}
}
