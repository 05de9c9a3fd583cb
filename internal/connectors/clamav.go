package connectors

import (
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// clamavObject is a scanned object of clamscan --gen-json metadata; objects
// nest through EmbeddedObjects and ContainedObjects.
type clamavObject struct {
	FileName         string         `json:"FileName"`
	FilePath         string         `json:"FilePath"`
	FileSize         flexInt        `json:"FileSize"`
	FileMD5          string         `json:"FileMD5"`
	Viruses          []string       `json:"Viruses"`
	EmbeddedObjects  []clamavObject `json:"EmbeddedObjects"`
	ContainedObjects []clamavObject `json:"ContainedObjects"`
}

// clamavMaxDepth bounds the walk through nested objects.
const clamavMaxDepth = 32

// infected collects the objects that carry virus names, depth first.
func (o *clamavObject) infected(depth int, out []*clamavObject) []*clamavObject {
	if depth > clamavMaxDepth {
		return out
	}
	if len(o.Viruses) > 0 {
		out = append(out, o)
	}
	for i := range o.EmbeddedObjects {
		out = o.EmbeddedObjects[i].infected(depth+1, out)
	}
	for i := range o.ContainedObjects {
		out = o.ContainedObjects[i].infected(depth+1, out)
	}
	return out
}

// clamavCategory picks a Malware category from the signature names.
func clamavCategory(names []string) idmefv2.Category {
	joined := strings.ToLower(strings.Join(names, " "))
	switch {
	case strings.Contains(joined, "ransom"):
		return idmefv2.CategoryMalwareRansomware
	case strings.Contains(joined, "trojan"):
		return idmefv2.CategoryMalwareTrojan
	case strings.Contains(joined, "worm"):
		return idmefv2.CategoryMalwareWorm
	case strings.Contains(joined, "coinminer"), strings.Contains(joined, "miner"):
		return idmefv2.CategoryMalwareCryptominer
	case strings.Contains(joined, "backdoor"):
		return idmefv2.CategoryMalwareBackdoor
	case strings.Contains(joined, "rootkit"):
		return idmefv2.CategoryMalwareRootkit
	case strings.Contains(joined, "adware"), strings.Contains(joined, "pua"):
		return idmefv2.CategoryMalwareAdware
	case strings.Contains(joined, "spyware"):
		return idmefv2.CategoryMalwareSpyware
	case strings.Contains(joined, "virus"):
		return idmefv2.CategoryMalwareVirus
	}
	return idmefv2.CategoryMalwareOther
}

func convertClamAV(b *builder, line []byte) (*idmefv2.Alert, error) {
	var root clamavObject
	if err := b.decode(line, &root); err != nil {
		return nil, err
	}
	hits := root.infected(0, nil)
	if len(hits) == 0 {
		return nil, nil // a clean scan is not an alert
	}
	a, err := b.alert("clamav", b.now())
	if err != nil {
		return nil, err
	}
	var names []string
	for _, h := range hits {
		names = append(names, h.Viruses...)
	}
	a.Type = []idmefv2.Type{idmefv2.TypeCyber}
	a.Category = []idmefv2.Category{clamavCategory(names)}
	a.Priority = idmefv2.PriorityHigh
	a.Description = "Virus found: " + strings.Join(names, ", ")
	a.AltCategory = prefixed("clamav:", names)
	a.Analyzer.Model = "ClamAV"
	a.Analyzer.Category = []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategoryENDAV}
	a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataFile}
	a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodSignature}
	if err := clamavAttach(b, a, "scanned", &root, "scanned file"); err != nil {
		return nil, err
	}
	for i, h := range hits {
		if h == &root {
			continue
		}
		name := "virus"
		if i > 0 {
			name = "virus-" + strconv.Itoa(i)
		}
		if err := clamavAttach(b, a, name, h, "Virus found: "+strings.Join(h.Viruses, ", ")); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// clamavAttach adds one scanned object as an attachment.
func clamavAttach(b *builder, a *idmefv2.Alert, name string, o *clamavObject, note string) error {
	file := o.FilePath
	if file == "" {
		file = o.FileName
	}
	at := idmefv2.Attachment{Name: name, FileName: file, Note: note}
	if h := hash("md5", strings.ToLower(o.FileMD5)); h != "" {
		at.Hash = []string{h}
	}
	if o.FileSize.set {
		size := o.FileSize.v
		at.Size = &size
	}
	if len(o.Viruses) > 0 && name == "scanned" {
		at.Note = "Virus found: " + strings.Join(o.Viruses, ", ")
	}
	if _, err := a.AddAttachment(at); err != nil {
		return b.errf("attachment %s: %w", name, err)
	}
	return nil
}
