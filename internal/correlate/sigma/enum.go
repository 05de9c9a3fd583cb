package sigma

import "github.com/vigie-siem/vigie/idmefv2"

// enumValues returns the V08 values of an enumerated attribute, keyed by
// its path without indexes ("Category", "Analyzer.Data"), or nil.
func enumValues(key string) []string {
	switch key {
	case "Version":
		return strs(idmefv2.VersionValues())
	case "EntitySector":
		return strs(idmefv2.EntitySectorValues())
	case "Type":
		return strs(idmefv2.TypeValues())
	case "Category":
		return strs(idmefv2.CategoryValues())
	case "Cause":
		return strs(idmefv2.CauseValues())
	case "Status":
		return strs(idmefv2.StatusValues())
	case "Priority":
		return strs(idmefv2.PriorityValues())
	case "Analyzer.Category":
		return strs(idmefv2.AnalyzerCategoryValues())
	case "Analyzer.Data":
		return strs(idmefv2.AnalyzerDataValues())
	case "Analyzer.Method":
		return strs(idmefv2.AnalyzerMethodValues())
	case "Source.Category":
		return strs(idmefv2.SourceCategoryValues())
	case "Target.Category":
		return strs(idmefv2.TargetCategoryValues())
	}
	return nil
}

func strs[E ~string](l []E) []string {
	out := make([]string, len(l))
	for i, v := range l {
		out[i] = string(v)
	}
	return out
}
