package sqlite

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/internal/store/query"
)

// jsonSrc reaches the values of a path without an index, in the stored
// JSON: a chain of json_each table-valued functions whose last one (alias
// value) yields the values. JSON paths are bound parameters.
type jsonSrc struct {
	joins []string // "json_each(x, ?) alias", first one over <doc>.doc
	args  []any
	value string // the SQL expression of a value
	vtype string // the SQL expression of its JSON type
}

// classNames are the IDMEF classes; a path that starts with one goes
// through the class element.
var classNames = map[string]bool{"Analyzer": true, "Source": true, "Target": true, "Sensor": true, "Attachment": true}

type pathSeg struct {
	name  string
	index string // "", "*" or a number
}

func splitPath(p string) []pathSeg {
	var segs []pathSeg
	for part := range strings.SplitSeq(p, ".") {
		s := pathSeg{name: part}
		if i := strings.IndexByte(part, '('); i >= 0 {
			s.name, s.index = part[:i], strings.TrimSuffix(part[i+1:], ")")
		}
		segs = append(segs, s)
	}
	return segs
}

func jsonKey(name string) string { return `."` + name + `"` }

// newJSONSrc builds the source for field with aliases prefixed by alias;
// doc is the SQL expression of the document.
func newJSONSrc(f query.Field, doc, alias string) (jsonSrc, error) {
	if f.Lifecycle {
		return jsonSrc{}, query.Errorf(f.At, f.Name+" is not an IDMEF path")
	}
	segs := splitPath(f.Name)
	var src jsonSrc
	base, path := doc, "$"
	if len(segs) == 2 && classNames[segs[0].name] {
		c := segs[0]
		path += jsonKey(c.name)
		switch c.index {
		case "*":
			ca := alias + "c"
			src.joins = append(src.joins, "json_each("+base+", ?) "+ca)
			src.args = append(src.args, path)
			base, path = ca+".value", "$"
		case "":
		default:
			path += "[" + c.index + "]"
		}
		segs = segs[1:]
	}
	leaf := segs[0]
	path += jsonKey(leaf.name)
	if leaf.index != "" && leaf.index != "*" {
		if _, err := strconv.Atoi(leaf.index); err != nil {
			return jsonSrc{}, query.Errorf(f.At, fmt.Sprintf("bad index in %s", f.Name))
		}
		path += "[" + leaf.index + "]"
	}
	va := alias + "v"
	src.joins = append(src.joins, "json_each("+base+", ?) "+va)
	src.args = append(src.args, path)
	src.value, src.vtype = va+".value", va+".type"
	return src, nil
}

// jsonSource returns the FROM list of a subquery over the current alert's
// document, for conditions on f's values.
func jsonSource(f query.Field) (from string, src jsonSrc, err error) {
	src, err = newJSONSrc(f, "d.doc", "j")
	if err != nil {
		return "", src, err
	}
	return "alert_docs d, " + strings.Join(src.joins, ", ") + " WHERE d.seq = a.seq", src, nil
}

func (w *where) compareJSON(c *query.Compare) error {
	from, src, err := jsonSource(c.Field)
	if err != nil {
		return err
	}
	w.add("EXISTS (SELECT 1 FROM "+from+" AND (", src.args...)
	for i, v := range c.Values {
		if i > 0 {
			w.add(" OR ")
		}
		num, isNum := float64(0), false
		if !v.Quoted {
			if n, err := strconv.ParseFloat(v.Text, 64); err == nil {
				num, isNum = n, true
			}
		}
		switch {
		case c.Op == query.Like:
			w.add(src.vtype+" = 'text' AND "+src.value+" GLOB ?", globPattern(v.Text))
		case c.Op == query.Eq || c.Op == query.In:
			if isNum {
				w.add("("+src.value+" = ? OR "+src.value+" = ?)", num, v.Text)
			} else {
				w.add(src.value+" = ?", v.Text)
			}
		case isNum:
			w.add(src.vtype+" IN ('integer', 'real') AND "+src.value+" "+string(c.Op)+" ?", num)
		default:
			w.add(src.vtype+" = 'text' AND "+src.value+" "+string(c.Op)+" ?", v.Text)
		}
	}
	w.add("))")
	return nil
}
