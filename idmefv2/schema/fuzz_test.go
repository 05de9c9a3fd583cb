package schema_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigie-siem/vigie/idmefv2/schema"
)

// FuzzValidateJSON feeds arbitrary bytes to Detect and ValidateJSON: they must not panic,
// every error must carry a keyword, a message and a well-formed pointer, and two runs on
// the same input must give the same result.
func FuzzValidateJSON(f *testing.F) {
	for _, name := range []string{"v08-suricata-alert.json", "v04-cyb1.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"Version":"2.D.V08","ID":"x","Analyzer":{"Name":1}}`))
	f.Add([]byte(`{"Version":"2.0.3"}`))
	f.Add([]byte(`[1, "a", null]`))
	f.Add([]byte(`{"a":`))
	v := schema.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		draft, err := v.Detect(data)
		if err != nil {
			draft = "V08"
		}
		first, err := v.ValidateJSON(draft, data)
		if err != nil {
			t.Fatalf("ValidateJSON(%s): %v", draft, err)
		}
		for _, e := range first {
			if e.Keyword == "" || e.Message == "" || (e.Pointer != "" && e.Pointer[0] != '/') {
				t.Errorf("malformed error %#v", e)
			}
		}
		second, err := v.ValidateJSON(draft, data)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, second); diff != "" {
			t.Errorf("not deterministic (-first +second):\n%s", diff)
		}
	})
}
