package correlate

import (
	"fmt"
	"reflect"
	"runtime"
	"testing"
	"weak"

	"github.com/vigie-siem/vigie/idmefv2"
)

// fillStrings sets every string and string list of the struct v points
// to: strings to name, lists to two values (categories to valid ones).
func fillStrings(v reflect.Value, name string) {
	v = v.Elem()
	for i := range v.NumField() {
		f, sf := v.Field(i), v.Type().Field(i)
		switch {
		case f.Kind() == reflect.String:
			f.SetString(name + "-" + sf.Name)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
			vals := []string{name + "-" + sf.Name + "-1", name + "-" + sf.Name + "-2"}
			if sf.Name == "Category" {
				vals = []string{"Undetermined", "Undetermined"}
			}
			l := reflect.MakeSlice(f.Type(), len(vals), len(vals))
			for j, s := range vals {
				l.Index(j).SetString(s)
			}
			f.Set(l)
		}
	}
}

// TestOwnKeepsNothingOfTheMessage: what the engine keeps of an alert
// decoded without a copy (its alertInfo, after own) must not hold the
// message, whatever strings its sources and targets carry: a field added
// to the model and not copied by own fails here.
func TestOwnKeepsNothingOfTheMessage(t *testing.T) {
	// One source or target fits the decoder's room (shared by both lists):
	// a list that outgrows it must leave nothing of the message there.
	for _, n := range [][2]int{{1, 1}, {2, 2}, {1, 3}, {3, 1}} {
		t.Run(fmt.Sprint(n), func(t *testing.T) { testOwnKeepsNothing(t, n[0], n[1]) })
	}
}

func testOwnKeepsNothing(t *testing.T, ns, nt int) {
	src := idmefv2.Alert{
		Version: idmefv2.VersionV08, ID: "alert-id", CreateTime: "2026-11-23T00:00:00Z",
		Description: "description", Priority: idmefv2.PriorityHigh,
		Category: []idmefv2.Category{"Recon.Scanning", "Malware.Worm"},
		Analyzer: idmefv2.Analyzer{
			IP: "192.0.2.1", Name: "sensor", Model: "m",
			Category: []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategorySIEMSIEM}, Data: []idmefv2.AnalyzerData{idmefv2.AnalyzerDataAlert},
			Method: []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodCorrelation},
		},
		Source: make([]idmefv2.Source, ns),
		Target: make([]idmefv2.Target, nt),
	}
	for i := range src.Source {
		fillStrings(reflect.ValueOf(&src.Source[i]), "src")
	}
	for i := range src.Target {
		fillStrings(reflect.ValueOf(&src.Target[i]), "tgt")
	}
	data, err := idmefv2.Encode(&src)
	if err != nil {
		t.Fatal(err)
	}
	held := weak.Make(&data[0])
	var a idmefv2.Alert
	if err := idmefv2.UnmarshalShared(data, &a); err != nil {
		t.Fatal(err)
	}
	e := &Engine{borrowed: &a}
	e.own(&a)
	info := newAlertInfo(&a)
	a, data = idmefv2.Alert{}, nil
	runtime.GC()
	runtime.GC()
	if held.Value() != nil {
		t.Error("the alert's record keeps its message")
	}
	// The record still says what the alert said.
	got := idmefv2.Alert{ID: info.ID, Description: info.Desc, Priority: info.Prio, Category: info.Cat, Source: info.Src, Target: info.Tgt}
	want := idmefv2.Alert{ID: src.ID, Description: src.Description, Priority: src.Priority, Category: src.Category, Source: src.Source, Target: src.Target}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("record %+v, want %+v", got, want)
	}
}
