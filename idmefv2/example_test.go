package idmefv2_test

import (
	"fmt"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

func ExampleValidateJSON() {
	msg := []byte(`{
		"Version": "2.D.V08",
		"ID": "3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f",
		"CreateTime": "2026-05-10T08:00:00",
		"Priority": "Critical",
		"Analyzer": {"Name": "ids", "Type": "Cyber"},
		"Target": [{"ID": "8b2d3f4a-5c6e-4f7a-9b0c-1d2e3f4a5b6c", "Port": [70000]}]
	}`)
	r := idmefv2.ValidateJSON(msg)
	fmt.Println("valid:", r.Valid())
	for _, i := range r.Issues {
		fmt.Println(i)
	}
	// Output:
	// valid: false
	// /Analyzer: unknown attribute "Type" (additionalProperties)
	// /Priority: "Critical" is not a valid Priority value (enum)
	// warning: /CreateTime: timestamp "2026-05-10T08:00:00" has no time zone; add Z or ±hh:mm (RFC 3339) (spec.timezone)
	// /Target/0/Port/0: port 70000 is outside 1-65535 (spec.port-range)
}

func ExampleDecode() {
	a, err := idmefv2.Decode([]byte(`{"Version":"2.D.V08","Analyzer":{"Name":"x","Type":"Cyber"}}`))
	fmt.Println(a, err)
	// Output:
	// <nil> idmefv2: /Analyzer/Type: unknown attribute "Type"
}

func ExampleNewAlert() {
	a, err := idmefv2.NewAlert("honeypot-1", idmefv2.AlertOptions{
		Now:   func() time.Time { return time.Date(2026, 5, 10, 8, 0, 0, 0, time.UTC) },
		NewID: func() (string, error) { return "3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f", nil },
	})
	if err != nil {
		panic(err)
	}
	a.Category = []idmefv2.Category{idmefv2.CategoryReconNetwork}
	a.Source = append(a.Source, idmefv2.Source{ID: "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b", IP: "203.0.113.9", Port: []int{4444}})
	out, err := idmefv2.Encode(a)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	fmt.Println("valid:", a.Validate().Valid())
	// Output:
	// {"Version":"2.D.V08","ID":"3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f","Category":["Recon.Network"],"CreateTime":"2026-05-10T08:00:00Z","Analyzer":{"Name":"honeypot-1"},"Source":[{"ID":"7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b","IP":"203.0.113.9","Port":[4444]}]}
	// valid: true
}

func ExampleSet() {
	a := &idmefv2.Alert{}
	for path, value := range map[string]any{"Source(1).IP": "192.0.2.7", "Source(1).Port": "443"} {
		if err := idmefv2.Set(a, idmefv2.MustParsePath(path), value); err != nil {
			panic(err)
		}
	}
	ips, _ := idmefv2.Get(a, idmefv2.MustParsePath("Source(*).IP"))
	fmt.Println(len(a.Source), ips, a.Source[1].Port)
	err := idmefv2.Set(a, idmefv2.MustParsePath("Priority"), "Critical")
	fmt.Println(err)
	// Output:
	// 2 [192.0.2.7] [443]
	// idmefv2: set Priority: "Critical" is not a valid Priority value
}

func ExampleParsePath() {
	for _, s := range []string{"Source.IP", "Source(*).IP", "Attachment(1).Hash(0)", "Source.Colour"} {
		p, err := idmefv2.ParsePath(s)
		fmt.Println(p, err)
	}
	// Output:
	// Source(0).IP <nil>
	// Source(*).IP <nil>
	// Attachment(1).Hash(0) <nil>
	//  idmefv2: path "Source.Colour": unknown attribute "Colour" of class Source
}

func ExampleEach() {
	a := &idmefv2.Alert{Target: []idmefv2.Target{{Port: []int{22}}, {Port: []int{80, 443}}}}
	idmefv2.Each(a, idmefv2.MustParsePath("Target(*).Port"), func(at idmefv2.Path, v any) bool {
		fmt.Println(at, v)
		return true
	})
	// Output:
	// Target(0).Port(0) 22
	// Target(1).Port(0) 80
	// Target(1).Port(1) 443
}

func ExampleFormatTime() {
	t := time.Date(2026, 5, 10, 8, 0, 0, 250e6, time.FixedZone("", -5*3600))
	s := idmefv2.FormatTime(t)
	back, err := idmefv2.ParseTime(s)
	fmt.Println(s, back.Equal(t), err)
	// Output:
	// 2026-05-10T08:00:00.25-05:00 true <nil>
}
