package connectors

import (
	"fmt"
	"sort"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// Converter turns one native event into an IDMEFv2 alert. It returns
// (nil, nil) for an event it filters out.
type Converter interface {
	Convert(line []byte) (*idmefv2.Alert, error)
}

// Options tunes the converters. The zero value gives the defaults.
type Options struct {
	// Now returns the time used when an event carries none; nil means time.Now.
	Now func() time.Time
	// NewID returns alert, source and target identifiers; nil means
	// idmefv2.NewID (UUID version 7).
	NewID func() (string, error)
}

// convertFunc is the body of one converter.
type convertFunc func(b *builder, line []byte) (*idmefv2.Alert, error)

// converter binds a convertFunc to its options.
type converter struct {
	b  builder
	fn convertFunc
}

// Convert implements Converter.
func (c *converter) Convert(line []byte) (*idmefv2.Alert, error) {
	a, err := c.fn(&c.b, line)
	if err != nil || a == nil {
		return nil, err
	}
	// A last check, so that no input, however odd, yields an invalid alert.
	if rep := a.Validate(); !rep.Valid() {
		e := rep.Errors()[0]
		return nil, fmt.Errorf("%s: event maps to an invalid alert at %s: %s", c.b.tool, e.Pointer, e.Message)
	}
	return a, nil
}

// table lists the converters by tool name.
func table() map[string]convertFunc {
	return map[string]convertFunc{
		"suricata":    convertSuricata,
		"wazuh":       convertWazuh,
		"clamav":      convertClamAV,
		"modsecurity": convertModSecurity,
		"prometheus":  convertPrometheus,
		"zabbix":      convertZabbix,
		"kismet":      convertKismet,
		"samhain":     convertSamhain,
		"tpot":        convertTPot,
		"zoneminder":  convertZoneMinder,
		"motion":      convertMotion,
	}
}

// New returns the converter for a tool name with the given options.
func New(name string, opts Options) (Converter, bool) {
	fn, ok := table()[name]
	if !ok {
		return nil, false
	}
	return &converter{b: builder{tool: name, opts: opts}, fn: fn}, true
}

// Lookup returns the converter for a tool name with default options.
func Lookup(name string) (Converter, bool) {
	return New(name, Options{})
}

// Names returns the tool names, sorted.
func Names() []string {
	names := make([]string, 0, 11)
	for n := range table() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
