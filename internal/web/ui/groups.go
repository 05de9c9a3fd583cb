package ui

import (
	"net/http"
	"strings"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// defaultGroupBy groups by classification and source.
const defaultGroupBy = "Category, Source(*).IP"

// groupsData is the aggregated view.
type groupsData struct {
	By     string
	Paths  []string
	Groups []groupView
	Err    string
}

type groupView struct {
	store.Group
	Href string // the group's alerts
}

func (u *UI) groupsPage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d := u.pageData(r, p, "Aggregated alerts")
	d.Nav = "groups"
	g := groupsData{By: strings.TrimSpace(r.URL.Query().Get("by"))}
	if g.By == "" {
		g.By = defaultGroupBy
	}
	d.By = g.By
	for _, s := range strings.Split(g.By, ",") {
		if s = strings.TrimSpace(s); s != "" {
			g.Paths = append(g.Paths, s)
		}
	}
	if d.Filter.err != "" {
		g.Err = d.Filter.err
		return render(w, r, http.StatusOK, groupsPage(d, g))
	}
	groups, err := u.opts.Alerts.GroupBy(r.Context(), store.GroupRequest{Filter: d.Filter.storeFilter(), Paths: g.Paths, Limit: 500})
	switch {
	case err != nil && isUserError(err):
		g.Err = err.Error()
	case err != nil:
		return err
	}
	for _, gr := range groups {
		g.Groups = append(g.Groups, groupView{Group: gr, Href: d.Filter.link("/alerts", "q", d.Filter.and(groupTerm(g.Paths, gr.Keys)))})
	}
	return render(w, r, http.StatusOK, groupsPage(d, g))
}

// groupTerm is the query selecting one group.
func groupTerm(paths, keys []string) string {
	terms := make([]string, 0, len(paths))
	for i, p := range paths {
		if i >= len(keys) {
			break
		}
		terms = append(terms, pathTerm(p, keys[i]))
	}
	return strings.Join(terms, " and ")
}

// pathTerm selects alerts whose path has value v ("" means absent).
func pathTerm(path, v string) string {
	if v == "" {
		return "not exists " + path
	}
	return path + " = " + quote(v)
}
