package upgrade_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/vigie-siem/vigie/idmefv2/schema"
	"github.com/vigie-siem/vigie/idmefv2/upgrade"
)

const alertID = "e5f9bbae-163e-42f9-a2f2-0daaf78fefb1"

// msg builds a message of the given version with a minimal Analyzer and the extra members
// (a JSON object body without braces).
func msg(version, extra string) string {
	analyzerID := ""
	if version == "2.D.V07" { // the only draft that requires Analyzer.ID
		analyzerID = `"ID":"6f6a1b9e-2a43-4a7e-9c53-0c1d2e3f4a5b",`
	}
	s := fmt.Sprintf(`{"Version":%q,"ID":%q,"CreateTime":"2021-01-18T23:33:05Z","Analyzer":{%s"IP":"192.0.2.1","Name":"a"}`, version, alertID, analyzerID)
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// get reads the value at a JSON pointer of a decoded message.
func get(doc any, ptr string) any {
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		switch c := doc.(type) {
		case map[string]any:
			doc = c[tok]
		case []any:
			var i int
			fmt.Sscan(tok, &i)
			if i >= len(c) {
				return nil
			}
			doc = c[i]
		default:
			return nil
		}
	}
	return doc
}

func TestMappingRules(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	tests := []struct {
		name    string
		in      string
		lenient bool
		zone    *time.Location
		want    map[string]any // pointer → expected value in the output (as decoded JSON)
		kinds   map[string]upgrade.Kind
	}{
		{
			name:  "V02 Entity becomes OrganisationName",
			in:    msg("2.D.V02", `"Entity":"ACME"`),
			want:  map[string]any{"/OrganisationName": "ACME", "/Entity": nil},
			kinds: map[string]upgrade.Kind{"/Entity": upgrade.Renamed, "/Version": upgrade.Mapped},
		},
		{
			name: "Analyzer.Type moves to the alert's Type",
			in: `{"Version":"2.D.V06","ID":"` + alertID + `","CreateTime":"2021-01-18T23:33:05Z",` +
				`"Analyzer":{"Name":"a","Type":["Cyber","Physical"]}}`,
			want:  map[string]any{"/Type": []any{"Cyber", "Physical"}, "/Analyzer/Type": nil},
			kinds: map[string]upgrade.Kind{"/Analyzer/Type": upgrade.Moved},
		},
		{
			name: "Vector is carried in a JSON attachment",
			in:   msg("2.D.V04", `"Vector":[{"Category":["Human"],"Name":"Unknown"}],"Attachment":[{"Name":"Vector0"}]`),
			want: map[string]any{
				"/Vector":                        nil,
				"/Attachment/1/Name":             "Vector0x2",
				"/Attachment/1/ContentEncoding":  "json",
				"/Attachment/1/Content/Name":     "Unknown",
				"/Attachment/1/Content/Category": []any{"Human"},
			},
			kinds: map[string]upgrade.Kind{"/Vector/0": upgrade.DroppedIntoExt},
		},
		{
			name:  "V07 Status becomes a list; Recon.Netword fixed",
			in:    msg("2.D.V07", `"Status":"Incident","Category":["Recon.Netword"]`),
			want:  map[string]any{"/Status": []any{"Incident"}, "/Category": []any{"Recon.Network"}, "/AltCategory": []any{"Recon.Netword"}},
			kinds: map[string]upgrade.Kind{"/Status": upgrade.Mapped, "/Category/0": upgrade.Mapped},
		},
		{
			name:  "V07 EntitySector renamed",
			in:    msg("2.D.V07", `"EntitySector":["Defense.CyberDefense","Banking.Banking"]`),
			want:  map[string]any{"/EntitySector": []any{"Defense.Cyber", "Banking.Banking"}},
			kinds: map[string]upgrade.Kind{"/EntitySector/0": upgrade.Mapped},
		},
		{
			name: "old taxonomy mapped, original kept in AltCategory; duplicates merged",
			in:   msg("2.D.V05", `"Category":["Recon.Scanning","Intrusion.UserCompromise","Intrusion.AdminCompromise"]`),
			want: map[string]any{
				"/Category":    []any{"Recon.Network", "Access.Compromise"},
				"/AltCategory": []any{"Recon.Scanning", "Intrusion.UserCompromise", "Intrusion.AdminCompromise"},
			},
			kinds: map[string]upgrade.Kind{"/Category/0": upgrade.Mapped, "/Category/2": upgrade.Mapped},
		},
		{
			name: "unmappable category goes to ext-Category and AltCategory",
			in:   msg("2.D.V04", `"Category":["Vulnerable.System","ext-value"],"ext-Category":"MyCat"`),
			want: map[string]any{
				"/Category":     []any{"Other.ext-value"},
				"/ext-Category": []any{"MyCat", "Vulnerable.System"},
				"/AltCategory":  []any{"Vulnerable.System"},
			},
			kinds: map[string]upgrade.Kind{"/Category/0": upgrade.DroppedIntoExt, "/Category/1": upgrade.Mapped, "/ext-Category": upgrade.Mapped},
		},
		{
			name: "Analyzer codes prefixed, Data renamed, VPN to ext-Category",
			in: `{"Version":"2.D.V04","ID":"` + alertID + `","CreateTime":"2021-01-18T23:33:05Z",` +
				`"Analyzer":{"IP":"192.0.2.1","Name":"a","Category":["NIDS","AV","HAR","SIEM","VPN"],"Data":["Auth","Thermic","Log"],"ext-Data":"x"}}`,
			want: map[string]any{
				"/Analyzer/Category":     []any{"NET.NIDS", "END.AV", "PHY.HAR", "SIEM.SIEM", "ext-value"},
				"/Analyzer/ext-Category": []any{"VPN"},
				"/Analyzer/Data":         []any{"Authentication", "Thermal", "Log"},
				"/Analyzer/ext-Data":     []any{"x"},
			},
			kinds: map[string]upgrade.Kind{"/Analyzer/Category/4": upgrade.DroppedIntoExt, "/Analyzer/Data/0": upgrade.Mapped, "/Analyzer/ext-Data": upgrade.Mapped},
		},
		{
			name:  "percentage Confidence before V06",
			in:    msg("2.D.V04", `"Confidence":90`),
			want:  map[string]any{"/Confidence": json.Number("0.9")},
			kinds: map[string]upgrade.Kind{"/Confidence": upgrade.Mapped},
		},
		{
			name:  "missing Source/Target ID derived from alert ID and pointer",
			in:    msg("2.D.V06", `"Source":[{"IP":"192.0.2.9"}],"Target":[{"IP":"192.0.2.8"},{"IP":"192.0.2.7"}]`),
			want:  map[string]any{"/Target/1/ID": uuid.NewSHA1(namespace(), []byte(alertID+"/Target/1")).String()},
			kinds: map[string]upgrade.Kind{"/Source/0/ID": upgrade.Defaulted, "/Target/0/ID": upgrade.Defaulted},
		},
		{
			name: "lenient: scalars wrapped, lowercase enums, Critical priority, string port",
			in: msg("2.D.V04", `"Category":"attempt.login","Status":"incident","Priority":"Critical",`+
				`"Source":[{"IP":"192.0.2.9","Port":"22","Protocol":"tcp"}]`),
			lenient: true,
			want: map[string]any{
				"/Category":             []any{"Access.Forced"},
				"/Status":               []any{"Incident"},
				"/Priority":             "High",
				"/Source/0/Port":        []any{json.Number("22")},
				"/Source/0/Protocol":    []any{"tcp"},
				"/Attachment/0/Name":    "Legacy",
				"/Attachment/0/Content": map[string]any{"/Priority": "Critical"},
			},
			kinds: map[string]upgrade.Kind{"/Category": upgrade.Repaired, "/Category/0": upgrade.Repaired, "/Status/0": upgrade.Repaired,
				"/Priority": upgrade.Repaired, "/Source/0/Port/0": upgrade.Repaired},
		},
		{
			name: "lenient: non-UUID Target.ID and unknown Target.URL kept in Legacy, referenced by the Target",
			in:   msg("2.D.V08", `"Target":[{"ID":"0","URL":"/login"}]`),
			want: map[string]any{
				"/Target/0/ID":          uuid.NewSHA1(namespace(), []byte("0")).String(),
				"/Target/0/URL":         nil,
				"/Target/0/Attachment":  []any{"Legacy"},
				"/Attachment/0/Content": map[string]any{"/Target/0/ID": "0", "/Target/0/URL": "/login"},
			},
			lenient: true,
			kinds:   map[string]upgrade.Kind{"/Target/0/ID": upgrade.Repaired, "/Target/0/URL": upgrade.DroppedIntoExt},
		},
		{
			name:    "lenient: timestamps get a zone (default zone), a colon, a T",
			in:      msg("2.D.V08", `"StartTime":"2021-07-01T10:00:00.5","EndTime":"2021-07-01 11:00:00+0200","ReportTime":1625140800`),
			lenient: true,
			zone:    paris,
			want: map[string]any{
				"/StartTime":  "2021-07-01T10:00:00.5+02:00",
				"/EndTime":    "2021-07-01T11:00:00+02:00",
				"/ReportTime": "2021-07-01T12:00:00Z",
			},
			kinds: map[string]upgrade.Kind{"/StartTime": upgrade.Repaired, "/EndTime": upgrade.Repaired, "/ReportTime": upgrade.Repaired},
		},
		{
			name:    "lenient: unknown Data value to ext-Data, analyzer code by suffix",
			in:      `{"Version":"2.D.V08","ID":"` + alertID + `","CreateTime":"2021-01-18T23:33:05Z","Analyzer":{"Name":"a","Data":["Application"],"Category":["FRC.FR-CAM","nids"]}}`,
			lenient: true,
			want: map[string]any{
				"/Analyzer/Data":     []any{"ext-value"},
				"/Analyzer/ext-Data": []any{"Application"},
				"/Analyzer/Category": []any{"PHY.FR-CAM", "NET.NIDS"},
			},
			kinds: map[string]upgrade.Kind{"/Analyzer/Data/0": upgrade.DroppedIntoExt, "/Analyzer/Category/0": upgrade.Repaired, "/Analyzer/Category/1": upgrade.Repaired},
		},
		{
			name:    "lenient: V04 shape declared as V08 (Analyzer.Type, old codes)",
			in:      `{"Version":"2.D.V08","ID":"` + alertID + `","CreateTime":"2021-01-18T23:33:05Z","Analyzer":{"Name":"a","Type":"Cyber","Category":["NIDS"]}}`,
			lenient: true,
			want:    map[string]any{"/Type": []any{"Cyber"}, "/Analyzer/Category": []any{"NET.NIDS"}},
			kinds:   map[string]upgrade.Kind{"/Analyzer/Type": upgrade.Repaired, "/Analyzer/Category/0": upgrade.Repaired},
		},
	}
	v := schema.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, changes, err := upgrade.Upgrade([]byte(tt.in), upgrade.Options{Lenient: tt.lenient, DefaultZone: tt.zone, Validator: v})
			if err != nil {
				t.Fatalf("%v\nchanges: %v", err, changes)
			}
			mustBeV08(t, v, out)
			doc := decode(t, out)
			for ptr, want := range tt.want {
				if diff := cmp.Diff(want, get(doc, ptr)); diff != "" {
					t.Errorf("%s (-want +got):\n%s\noutput: %s", ptr, diff, out)
				}
			}
			for ptr, kind := range tt.kinds {
				if !slices.ContainsFunc(changes, func(c upgrade.Change) bool { return c.Pointer == ptr && c.Kind == kind }) {
					t.Errorf("no %s change at %s; changes:\n%s", kind, ptr, changesText(changes))
				}
			}
			for _, c := range changes {
				if c.Message == "" {
					t.Errorf("change without message: %#v", c)
				}
				if !tt.lenient && c.Kind == upgrade.Repaired {
					t.Errorf("strict mode repaired: %v", c)
				}
			}
		})
	}
}

// namespace is the documented namespace of the UUIDs the upgrade derives.
func namespace() uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/vigie-siem/vigie/idmefv2/upgrade"))
}

func decode(t testing.TB, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, data)
	}
	return doc
}

func changesText(changes []upgrade.Change) string {
	var b strings.Builder
	for _, c := range changes {
		b.WriteString("  " + c.String() + "\n")
	}
	return b.String()
}

func TestLenientDefaults(t *testing.T) {
	now := time.Date(2026, 5, 10, 8, 0, 0, 0, time.UTC)
	in := `{"Analyzer":{"Name":"a"}}`
	opts := upgrade.Options{Lenient: true, Now: func() time.Time { return now }}
	out, changes, err := upgrade.Upgrade([]byte(in), opts)
	if err != nil {
		t.Fatal(err)
	}
	doc := decode(t, out)
	if doc["Version"] != "2.D.V08" || doc["CreateTime"] != "2026-05-10T08:00:00Z" {
		t.Errorf("defaults not applied: %s", out)
	}
	again, _, err := upgrade.Upgrade([]byte(in), opts)
	if err != nil || string(again) != string(out) {
		t.Errorf("generated ID is not deterministic: %s vs %s", out, again)
	}
	for _, ptr := range []string{"/Version", "/ID", "/CreateTime"} {
		if !slices.ContainsFunc(changes, func(c upgrade.Change) bool { return c.Pointer == ptr && c.Kind == upgrade.Defaulted }) {
			t.Errorf("no defaulted change at %s: %v", ptr, changes)
		}
	}
}

func TestUpgradeErrors(t *testing.T) {
	tests := []struct {
		name, in string
		lenient  bool
		errPart  string
	}{
		{"not JSON", `{"Version":`, false, "invalid JSON"},
		{"array", `[{}]`, true, "JSON array, not an object"},
		{"no Version", `{"ID":"x"}`, false, `no "Version"`},
		{"Version not a string", `{"Version":8}`, true, `"Version" is a JSON number`},
		{"unknown Version", `{"Version":"2.D.V10"}`, true, `unknown Version "2.D.V10"`},
		{"SECEF 2.0.3", `{"Version":"2.0.3"}`, true, "not supported"},
		{"strict invalid input", msg("2.D.V04", `"Priority":"Critical"`), false, `the message is not valid V04 (1 errors): /Priority: value "Critical"`},
		{"lenient beyond repair", `{"Version":"2.D.V04","ID":"` + alertID + `","CreateTime":"2025-04-31T14:70:00Z","Analyzer":{"Name":"a"}}`, true,
			"the upgraded message is not valid V08 (1 errors): /CreateTime"},
	}
	v := schema.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := upgrade.Upgrade([]byte(tt.in), upgrade.Options{Lenient: tt.lenient, Validator: v})
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("error = %v, want it to contain %q", err, tt.errPart)
			}
			if out != nil {
				t.Errorf("output on error: %s", out)
			}
		})
	}
	_, _, err := upgrade.Upgrade([]byte(msg("2.D.V04", `"Priority":"Critical"`)), upgrade.Options{Validator: v})
	var inv *upgrade.InvalidError
	if !errors.As(err, &inv) || inv.Draft != "V04" || len(inv.Errors) != 1 {
		t.Errorf("want an *InvalidError for V04 with one error, got %#v", err)
	}
}

// UpgradeMap works in place and reports the same changes as Upgrade.
func TestUpgradeMap(t *testing.T) {
	doc := decode(t, []byte(msg("2.D.V07", `"Status":"Event"`)))
	changes, err := upgrade.UpgradeMap(doc, upgrade.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"Event"}, doc["Status"]); diff != "" || doc["Version"] != "2.D.V08" {
		t.Errorf("not upgraded in place: %v %s", doc, diff)
	}
	if len(changes) != 2 {
		t.Errorf("changes = %v, want Status and Version", changes)
	}
}
