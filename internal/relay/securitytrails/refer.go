package securitytrails

import (
	"strings"

	"github.com/vigie-siem/vigie/internal/relay"
)

// UIURL is the SecurityTrails web UI that refer links point to.
const UIURL = "https://securitytrails.com"

// referLabels names the supported observable types in refer texts.
var referLabels = map[string]string{"ip": "IP", "ipv6": "IPv6", "domain": "domain"}

// uiURL returns the SecurityTrails page of an observable, also used as the
// sighting's source_uri (SPEC §5.3). The value is inserted verbatim, as
// the original does: this is visible output that clients may compare.
func uiURL(obs relay.Observable) string {
	var path string
	if obs.Type == "domain" {
		path = "/domain/" + obs.Value + "/dns"
	} else {
		path = "/list/ip/" + obs.Value
	}
	return UIURL + "/" + strings.Trim(path, "/")
}

// references returns one refer link per supported observable, in order.
func references(observables []relay.Observable) []relay.Reference {
	refs := make([]relay.Reference, 0, len(observables))
	for _, obs := range observables {
		label, ok := referLabels[obs.Type]
		if !ok {
			continue
		}
		refs = append(refs, relay.Reference{
			Categories:  []string{"Search", "SecurityTrails"},
			Description: "Lookup this " + label + " on SecurityTrails",
			ID:          "ref-securitytrails-search-" + obs.Type + "-" + obs.Value,
			Title:       "Search for this " + label,
			URL:         uiURL(obs),
		})
	}
	return refs
}
