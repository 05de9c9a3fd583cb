package transport

import (
	"mime"
	"strconv"
	"strings"
)

const jsonType = "application/json"

// acceptsJSON reports whether the Accept header values allow an
// application/json response. No header means anything is acceptable. The
// most specific matching media range decides (RFC 9110 §12.5.1), so
// "application/json;q=0, */*" refuses JSON.
func acceptsJSON(values []string) bool {
	if len(values) == 0 {
		return true
	}
	if len(values) == 1 {
		switch values[0] {
		case "", "*/*", jsonType, "application/*":
			return true
		}
	}
	bestSpecificity, bestQ := -1, 0.0
	for _, v := range values {
		for _, r := range strings.Split(v, ",") {
			spec, q, ok := matchJSONRange(r)
			if ok && spec > bestSpecificity {
				bestSpecificity, bestQ = spec, q
			}
		}
	}
	return bestSpecificity >= 0 && bestQ > 0
}

// matchJSONRange parses one media range with its parameters and reports
// how specifically it matches application/json (0 */*, 1 application/*,
// 2 application/json) and its quality value.
func matchJSONRange(r string) (specificity int, q float64, ok bool) {
	mt, params, _ := strings.Cut(r, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch mt {
	case "*/*":
		specificity = 0
	case "application/*":
		specificity = 1
	case jsonType:
		specificity = 2
	default:
		return 0, 0, false
	}
	q = 1
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 || f > 1 {
				return 0, 0, false // a malformed range matches nothing
			}
			q = f
		}
	}
	return specificity, q, true
}

// bodyKind is how the request body is framed.
type bodyKind int

const (
	bodyJSON      bodyKind = iota // one object, or an array (batch)
	bodyMultipart                 // multipart/mixed, one message per part
)

// contentKind checks a Content-Type header. It returns the body kind and,
// for multipart, the boundary; or a reason for a 415.
func (h *Handler) contentKind(ct string) (kind bodyKind, boundary, reason string) {
	if ct == jsonType {
		return bodyJSON, "", ""
	}
	if ct == "" {
		return 0, "", "Content-Type is required; use " + jsonType
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return 0, "", "malformed Content-Type: " + err.Error()
	}
	if mt == "multipart/mixed" && !h.opts.DisableMultipart {
		b := params["boundary"]
		if b == "" {
			return 0, "", "multipart/mixed Content-Type without a boundary"
		}
		return bodyMultipart, b, ""
	}
	if !h.jsonMediaType(mt) {
		return 0, "", "unsupported Content-Type " + strconv.Quote(mt) + "; use " + jsonType
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return 0, "", "unsupported charset " + strconv.Quote(cs) + "; JSON must be UTF-8"
	}
	return bodyJSON, "", ""
}

// jsonMediaType reports whether a parsed media type (lowercase) is one the
// handler reads as JSON.
func (h *Handler) jsonMediaType(mt string) bool {
	if mt == jsonType {
		return true
	}
	for _, t := range h.contentTypes {
		if mt == t {
			return true
		}
	}
	return false
}
