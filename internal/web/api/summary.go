package api

import (
	"encoding/json"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

// alertSummary is an alert as a search lists it: what an analyst scans in a
// table row. The full document is at /api/v1/alerts/{id}.
type alertSummary struct {
	ID           string      `json:"id"`
	CreateTime   time.Time   `json:"create_time"`
	Priority     string      `json:"priority,omitempty"`
	Category     []string    `json:"category,omitempty"`
	Description  string      `json:"description,omitempty"`
	Sources      []endpoint  `json:"sources,omitempty"`
	Targets      []endpoint  `json:"targets,omitempty"`
	Analyzer     analyzerRef `json:"analyzer"`
	State        store.State `json:"state"`
	Assignee     string      `json:"assignee,omitempty"`
	Tags         []string    `json:"tags,omitempty"`
	SupersededBy string      `json:"superseded_by,omitempty"`
}

// endpoint is a Source or Target, reduced to who and where.
type endpoint struct {
	IP       string `json:"ip,omitempty"`
	Hostname string `json:"hostname,omitempty"`
	User     string `json:"user,omitempty"`
	Service  string `json:"service,omitempty"`
	Port     []int  `json:"port,omitempty"`
}

type analyzerRef struct {
	Name     string `json:"name"`
	Hostname string `json:"hostname,omitempty"`
	IP       string `json:"ip,omitempty"`
}

// summaryDoc is the part of an IDMEFv2 document a summary needs. Decoding
// only these fields costs far less than the full model.
type summaryDoc struct {
	Priority    string   `json:"Priority"`
	Category    []string `json:"Category"`
	Description string   `json:"Description"`
	Analyzer    struct {
		Name     string `json:"Name"`
		Hostname string `json:"Hostname"`
		IP       string `json:"IP"`
	} `json:"Analyzer"`
	Source []struct {
		IP       string `json:"IP"`
		Hostname string `json:"Hostname"`
		User     string `json:"User"`
		Port     []int  `json:"Port"`
	} `json:"Source"`
	Target []struct {
		IP       string `json:"IP"`
		Hostname string `json:"Hostname"`
		User     string `json:"User"`
		Service  string `json:"Service"`
		Port     []int  `json:"Port"`
	} `json:"Target"`
}

// summarize builds the summary of a stored alert. A document that does not
// decode (it was validated on the way in, so this should not happen) still
// gives its ID, time and lifecycle.
func summarize(al store.Alert) alertSummary {
	s := alertSummary{
		ID: al.ID, CreateTime: al.CreateTime, State: al.Lifecycle.State, Assignee: al.Lifecycle.Assignee,
		Tags: al.Lifecycle.Tags, SupersededBy: al.Lifecycle.SupersededBy,
	}
	var d summaryDoc
	if err := json.Unmarshal(al.JSON, &d); err != nil {
		return s
	}
	s.Priority, s.Category, s.Description = d.Priority, d.Category, d.Description
	s.Analyzer = analyzerRef{Name: d.Analyzer.Name, Hostname: d.Analyzer.Hostname, IP: d.Analyzer.IP}
	for _, src := range d.Source {
		s.Sources = append(s.Sources, endpoint{IP: src.IP, Hostname: src.Hostname, User: src.User, Port: src.Port})
	}
	for _, t := range d.Target {
		s.Targets = append(s.Targets, endpoint{IP: t.IP, Hostname: t.Hostname, User: t.User, Service: t.Service, Port: t.Port})
	}
	return s
}
