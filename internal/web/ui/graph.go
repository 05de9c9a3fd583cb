package ui

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// graphElement is a Cytoscape.js element (node or edge).
type graphElement struct {
	Data graphData `json:"data"`
}

type graphData struct {
	ID     string `json:"id"`
	Label  string `json:"label,omitempty"`
	Kind   string `json:"kind,omitempty"` // alert, ip, host, user, service
	Source string `json:"source,omitempty"`
	Target string `json:"target,omitempty"`
	Role   string `json:"role,omitempty"` // edges: source or target
	Href   string `json:"href,omitempty"`
	Prio   string `json:"prio,omitempty"`
}

// graphBuilder collects elements without duplicates.
type graphBuilder struct {
	seen     map[string]bool
	elements []graphElement
}

func newGraph() *graphBuilder { return &graphBuilder{seen: map[string]bool{}} }

func (g *graphBuilder) add(e graphElement) {
	if !g.seen[e.Data.ID] {
		g.seen[e.Data.ID] = true
		g.elements = append(g.elements, e)
	}
}

// alert adds an alert node and its entities.
func (g *graphBuilder) alert(a store.Alert) {
	doc := decode(a)
	r := rowOf(a)
	aid := "alert:" + a.ID
	label := r.Category
	if label == "" {
		label = cut(r.Description, 40)
	}
	g.add(graphElement{graphData{ID: aid, Label: label, Kind: "alert", Href: alertPath(a.ID, ""), Prio: r.Priority}})
	link := func(kind, v, role string) {
		if v == "" {
			return
		}
		nid := kind + ":" + v
		g.add(graphElement{graphData{ID: nid, Label: v, Kind: kind}})
		g.add(graphElement{graphData{ID: aid + ">" + nid + ":" + role, Source: aid, Target: nid, Role: role}})
	}
	for _, s := range doc.Source {
		link("ip", s.IP, "source")
		link("host", s.Hostname, "source")
		link("user", s.User, "source")
	}
	for _, t := range doc.Target {
		link("ip", t.IP, "target")
		link("host", t.Hostname, "target")
		link("user", t.User, "target")
		link("service", t.Service, "target")
	}
}

// graphLimit bounds the alerts one graph or expansion reads.
const graphLimit = 150

func (u *UI) graphPage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d := u.pageData(r, p, "Graph")
	d.Nav = "graph"
	g := newGraph()
	var msg string
	if d.Filter.err != "" {
		msg = d.Filter.err
	} else {
		res, err := u.opts.Alerts.Search(r.Context(), store.SearchRequest{Filter: d.Filter.storeFilter(), Limit: graphLimit})
		switch {
		case err != nil && isUserError(err):
			msg = err.Error()
		case err != nil:
			return err
		}
		for _, a := range res.Alerts {
			g.alert(a)
		}
		if res.Next != "" {
			msg = "showing the newest " + strconv.Itoa(graphLimit) + " alerts of the selection; narrow the filter to see others"
		}
	}
	return render(w, r, http.StatusOK, graphPage(d, g.elements, msg))
}

// entityQuery is the query for the alerts touching an entity node.
func entityQuery(node string) (string, bool) {
	kind, v, ok := strings.Cut(node, ":")
	if !ok || v == "" {
		return "", false
	}
	q := quote(v)
	switch kind {
	case "ip":
		return "Source.IP = " + q + " or Target.IP = " + q, true
	case "host":
		return "Source.Hostname = " + q + " or Target.Hostname = " + q, true
	case "user":
		return "Source.User = " + q + " or Target.User = " + q, true
	case "service":
		return "Target.Service = " + q, true
	case "alert":
		return "ID = " + q + " or CorrelID = " + q, true
	}
	return "", false
}

// graphExpand answers a node's neighbours as Cytoscape elements (JSON).
func (u *UI) graphExpand(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	f := u.filterFrom(r)
	q, ok := entityQuery(r.URL.Query().Get("node"))
	if !ok {
		return errStatus(http.StatusBadRequest, "node: want kind:value with kind ip, host, user, service or alert")
	}
	sf := f.storeFilter()
	sf.Query = q
	res, err := u.opts.Alerts.Search(r.Context(), store.SearchRequest{Filter: sf, Limit: 50})
	if err != nil {
		return err
	}
	g := newGraph()
	for _, a := range res.Alerts {
		g.alert(a)
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(g.elements)
}
