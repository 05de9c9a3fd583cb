package upgrade

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2/schema"
)

// enumOf reads one enum of an embedded draft.
func enumOf(t *testing.T, draft, name string) []string {
	t.Helper()
	raw, err := schema.Source(draft)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Definitions map[string]struct{ Enum []string } `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s.Definitions[name].Enum
}

// Each table maps every old value V08 lacks, to a value V08 has (or to "" when the V08 list
// is extensible), and maps nothing that V08 still has to something else.
func TestTablesCoverOldEnums(t *testing.T) {
	tests := []struct {
		name, oldDraft, enum string
		table                map[string]string
		extensible           bool
	}{
		{"Category V02–V06", "V06", "categoryEnum", categoryV06(), true},
		{"Category V07", "V07", "categoryEnum", categoryV07(), true},
		{"Analyzer.Category V02–V06", "V06", "analyzerCategoryEnum", analyzerCategoryV06(), true},
		{"Analyzer.Data V02–V06", "V06", "analyzerDataEnum", analyzerDataV06(), true},
		{"EntitySector V07", "V07", "entitysectorEnum", entitySectorV07(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newSet := map[string]bool{}
			for _, v := range enumOf(t, "V08", tt.enum) {
				newSet[v] = true
			}
			oldSet := map[string]bool{}
			for _, v := range enumOf(t, tt.oldDraft, tt.enum) {
				oldSet[v] = true
				if _, mapped := tt.table[v]; !mapped && !newSet[v] {
					t.Errorf("old value %q is neither in V08 nor in the table", v)
				}
			}
			for old, v := range tt.table {
				if !oldSet[old] {
					t.Errorf("table key %q is not a %s value", old, tt.oldDraft)
				}
				if v == "" && !tt.extensible {
					t.Errorf("%q is unmappable but the V08 list has no ext-value", old)
				}
				if v != "" && !newSet[v] {
					t.Errorf("%q maps to %q, which V08 does not have", old, v)
				}
				if newSet[old] && old != v {
					t.Errorf("%q still exists in V08 but maps to %q", old, v)
				}
			}
		})
	}
}

// Where the part after the prefix names the old code exactly and only once, the analyzer
// table agrees with it; the other entries are the documented judgement calls.
func TestAnalyzerCategoryTableAgreesWithSuffixes(t *testing.T) {
	codes := enumOf(t, "V08", "analyzerCategoryEnum")
	for old, v := range analyzerCategoryV06() {
		var matches []string
		for _, c := range codes {
			if _, suffix, _ := strings.Cut(c, "."); strings.EqualFold(suffix, old) {
				matches = append(matches, c)
			}
		}
		if len(matches) == 1 && matches[0] != v {
			t.Errorf("%q: table says %q, the unique suffix match is %q", old, v, matches[0])
		}
	}
}
