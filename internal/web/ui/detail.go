package ui

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// detailData is one alert's page.
type detailData struct {
	Row         row
	Alert       store.Alert
	Doc         *idmefv2.Alert
	Tree        []treeNode
	Attachments []attachmentView
	Correl      []string // CorrelID
	Pred        []string // PredID
	Rel         []string // RelID
	ReferredBy  []row    // alerts whose CorrelID names this one
	Comments    []store.Comment
	Audit       []store.AuditEntry
}

// treeNode is one field of the alert, as a readable tree.
type treeNode struct {
	Key      string
	Value    string
	Children []treeNode
}

// attachmentView is an attachment as the detail page renders it.
type attachmentView struct {
	Name, FileName, ContentType, Note string
	Size                              string
	Hashes                            []string
	Links                             []string // http(s) ExternalURI only
	Image                             string   // data: URL of an image
	JSON                              string   // pretty-printed JSON content
	Text                              string   // other content, as text
	Enrichment                        [][2]string
}

func (u *UI) detailPage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d, err := u.detail(r)
	if err != nil {
		return err
	}
	pd := u.pageData(r, p, "Alert "+d.Row.Description)
	pd.Nav, pd.NoFilter = "alerts", true
	return render(w, r, http.StatusOK, detailPage(pd, d))
}

func (u *UI) detail(r *http.Request) (detailData, error) {
	ctx := r.Context()
	a, err := u.opts.Alerts.Alert(ctx, r.PathValue("id"))
	if err != nil {
		return detailData{}, err
	}
	doc := decode(a)
	d := detailData{Row: rowOf(a), Alert: a, Doc: doc, Correl: doc.CorrelID, Pred: doc.PredID, Rel: doc.RelID}
	var v any
	dec := json.NewDecoder(bytes.NewReader(a.JSON))
	dec.UseNumber()
	if err := dec.Decode(&v); err == nil {
		d.Tree = tree("", v).Children
	}
	for _, at := range doc.Attachment {
		d.Attachments = append(d.Attachments, attachmentOf(at))
	}
	res, err := u.opts.Alerts.Search(ctx, store.SearchRequest{Filter: store.Filter{Query: "CorrelID = " + quote(a.ID)}, Limit: 50})
	if err == nil {
		for _, x := range res.Alerts {
			d.ReferredBy = append(d.ReferredBy, rowOf(x))
		}
	}
	if d.Comments, err = u.opts.Lifecycle.Comments(ctx, a.ID); err != nil {
		return d, err
	}
	if d.Audit, err = u.opts.Lifecycle.Audit(ctx, a.ID); err != nil {
		return d, err
	}
	return d, nil
}

// tree turns a decoded JSON value into nodes; long strings are cut.
func tree(key string, v any) treeNode {
	n := treeNode{Key: key}
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			n.Children = append(n.Children, tree(k, x[k]))
		}
	case []any:
		for i, e := range x {
			n.Children = append(n.Children, tree(key+"("+strconv.Itoa(i)+")", e))
		}
	case string:
		n.Value = cut(x, 300)
	case nil:
		n.Value = "null"
	default:
		n.Value = fmt.Sprint(x)
	}
	return n
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// imageTypes are the content types shown inline (no SVG: it can carry script).
var imageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

func attachmentOf(at idmefv2.Attachment) attachmentView {
	v := attachmentView{Name: at.Name, FileName: at.FileName, ContentType: at.ContentType, Note: at.Note, Hashes: at.Hash}
	if at.Size != nil {
		v.Size = strconv.FormatInt(*at.Size, 10) + " bytes"
	}
	for _, l := range at.ExternalURI {
		if pu, err := url.Parse(l); err == nil && (pu.Scheme == "https" || pu.Scheme == "http") {
			v.Links = append(v.Links, l)
		}
	}
	if len(at.Content) == 0 {
		return v
	}
	content := []byte(at.Content)
	var s string
	if json.Unmarshal(at.Content, &s) == nil {
		content = []byte(s)
		if strings.EqualFold(at.ContentEncoding, "base64") {
			raw, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				v.Text = "content is not valid base64: " + err.Error()
				return v
			}
			if slices.Contains(imageTypes, strings.ToLower(at.ContentType)) {
				v.Image = "data:" + strings.ToLower(at.ContentType) + ";base64," + s
				return v
			}
			content = raw
		}
	}
	if json.Valid(content) {
		if at.Name == "enrichment" {
			var x any
			if json.Unmarshal(content, &x) == nil {
				v.Enrichment = flatten("", x, nil)
			}
		}
		var buf bytes.Buffer
		if json.Indent(&buf, content, "", "  ") == nil {
			v.JSON = cut(buf.String(), 64<<10)
			return v
		}
	}
	v.Text = cut(string(content), 16<<10)
	return v
}

// flatten lists a JSON value's leaves as path → value rows.
func flatten(prefix string, v any, out [][2]string) [][2]string {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out = flatten(p, x[k], out)
		}
	case []any:
		for i, e := range x {
			out = flatten(prefix+"["+strconv.Itoa(i)+"]", e, out)
		}
	default:
		b, _ := json.Marshal(x)
		s := string(b)
		if str, ok := x.(string); ok {
			s = str
		}
		out = append(out, [2]string{prefix, cut(s, 500)})
	}
	return out
}

// rawJSON downloads the alert as exported (status from the lifecycle).
func (u *UI) rawJSON(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	a, err := u.opts.Alerts.Alert(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	b, err := store.ExportJSON(a)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="alert-`+safeName(a.ID)+`.json"`)
	_, err = w.Write(b)
	return err
}

// safeName keeps letters, digits, '-' and '_'.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}

// triage changes state and assignee, then shows the triage panel again.
func (u *UI) triage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad form: "+err.Error())
	}
	ch, err := changeFrom(r, p)
	if err != nil {
		return err
	}
	return u.change(w, r, p, ch)
}

func (u *UI) comment(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	body := strings.TrimSpace(r.PostFormValue("body"))
	if body == "" {
		return errStatus(http.StatusBadRequest, "the comment is empty")
	}
	return u.change(w, r, p, store.Change{Comment: body})
}

func (u *UI) tags(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var ch store.Change
	if t := strings.TrimSpace(r.PostFormValue("add")); t != "" {
		ch.AddTags = strings.Fields(strings.ReplaceAll(t, ",", " "))
	}
	if t := strings.TrimSpace(r.PostFormValue("remove")); t != "" {
		ch.RemoveTags = []string{t}
	}
	if len(ch.AddTags)+len(ch.RemoveTags) == 0 {
		return errStatus(http.StatusBadRequest, "give a tag to add or remove")
	}
	return u.change(w, r, p, ch)
}

// change applies ch to the page's alert and renders the triage panel.
func (u *UI) change(w http.ResponseWriter, r *http.Request, p auth.Principal, ch store.Change) error {
	id := r.PathValue("id")
	if _, err := u.opts.Lifecycle.UpdateAlerts(r.Context(), []string{id}, ch, p.User()); err != nil {
		return err
	}
	d, err := u.detail(r)
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, triagePanel(u.pageData(r, p, ""), d))
}

// alertPath is the UI path of alert id, then suffix: the ID is
// path-escaped, since the store keeps whatever IDs it was given (CorrelID,
// RelID and the like are only UUIDs when the alert was validated).
func alertPath(id, suffix string) string {
	return "/alerts/" + url.PathEscape(id) + suffix
}
