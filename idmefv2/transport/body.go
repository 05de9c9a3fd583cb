package transport

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

// item is one message of a request before validation. A non-zero status
// means it is already refused (a batch item that is too big, not an
// object, or a multipart part of the wrong type).
type item struct {
	data   []byte
	status int
	reason string
}

// lengthRequired reports an HTTP/1.x request that has neither a
// Content-Length nor a chunked body (411). HTTP/2 frames its body itself.
func lengthRequired(r *http.Request) bool {
	return r.ProtoMajor == 1 && r.ContentLength == 0 && len(r.TransferEncoding) == 0 &&
		r.Header.Get("Content-Length") == ""
}

// readBody reads the whole body, refusing more than limit bytes.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *reply) {
	limit := h.bodyLimit()
	if r.ContentLength > limit {
		return nil, tooLarge(r.ContentLength, limit)
	}
	rd := http.MaxBytesReader(w, r.Body, limit)
	var (
		body []byte
		err  error
	)
	if r.ContentLength > 0 {
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(rd, body)
	} else {
		body, err = io.ReadAll(rd)
	}
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge(-1, limit)
		}
		return nil, errReply(http.StatusBadRequest, "reading the request body: "+err.Error())
	}
	return body, nil
}

func tooLarge(size, limit int64) *reply {
	if size < 0 {
		return errReply(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds the limit of %d bytes", limit))
	}
	return errReply(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body of %d bytes exceeds the limit of %d bytes", size, limit))
}

// splitJSON turns a JSON body into its messages: one object, or the
// elements of an array (a batch). A syntax error anywhere refuses the
// whole request, with the byte offset.
func (h *Handler) splitJSON(body []byte) (items []item, batch bool, rep *reply) {
	start := skipSpace(body, 0)
	if start == len(body) {
		return nil, false, errReply(http.StatusBadRequest, "empty body; send one IDMEFv2 message as a JSON object")
	}
	elems, ok := scanJSON(body, start)
	if !ok {
		return nil, false, malformed(body)
	}
	switch body[start] {
	case '{':
		msg := bytes.TrimRight(body[start:], " \t\r\n")
		if int64(len(msg)) > h.opts.MaxMessageBytes {
			return nil, false, errReply(http.StatusRequestEntityTooLarge,
				fmt.Sprintf("message of %d bytes exceeds the limit of %d bytes", len(msg), h.opts.MaxMessageBytes))
		}
		return []item{{data: msg}}, false, nil
	case '[':
		if h.opts.DisableBatches {
			return nil, true, errReply(http.StatusBadRequest, "JSON array bodies (batches) are not accepted here; send one message per request")
		}
		if len(elems) == 0 {
			return nil, true, errReply(http.StatusBadRequest, "empty batch: the JSON array has no message")
		}
		if len(elems) > h.opts.MaxBatchItems {
			return nil, true, errReply(http.StatusRequestEntityTooLarge,
				fmt.Sprintf("batch of %d messages exceeds the limit of %d", len(elems), h.opts.MaxBatchItems))
		}
		items = make([]item, len(elems))
		for i, e := range elems {
			items[i] = h.checkItem(e)
		}
		return items, true, nil
	}
	return nil, false, errReply(http.StatusBadRequest, "the body must be an IDMEFv2 message (a JSON object) or an array of them")
}

// checkItem refuses a batch element that is too big or not an object.
func (h *Handler) checkItem(data []byte) item {
	switch {
	case int64(len(data)) > h.opts.MaxMessageBytes:
		return item{data: data, status: http.StatusRequestEntityTooLarge,
			reason: fmt.Sprintf("message of %d bytes exceeds the limit of %d bytes", len(data), h.opts.MaxMessageBytes)}
	case data[0] != '{':
		return item{data: data, status: http.StatusBadRequest, reason: "not a JSON object"}
	}
	return item{data: data}
}

// malformed describes the first syntax error of body.
func malformed(body []byte) *reply {
	var raw json.RawMessage
	err := json.Unmarshal(body, &raw)
	rep := errReply(http.StatusBadRequest, "malformed JSON")
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		// encoding/json counts the bytes read, the offending one included;
		// report that byte's index from 0 (the end for a truncated body).
		off := se.Offset
		if off > 0 && !strings.Contains(se.Error(), "end of JSON input") {
			off--
		}
		rep.body.Offset = &off
		rep.body.Error = fmt.Sprintf("malformed JSON at byte offset %d: %v", off, se)
	}
	return rep
}

// splitMultipart reads a multipart/mixed body, one message per part (the
// python-idmefv2-transport framing). Each part is checked on its own.
func (h *Handler) splitMultipart(body []byte, boundary string) ([]item, *reply) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var items []item
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errReply(http.StatusBadRequest, fmt.Sprintf("malformed multipart body after part %d: %v", len(items), err))
		}
		if len(items) == h.opts.MaxBatchItems {
			return nil, errReply(http.StatusRequestEntityTooLarge,
				fmt.Sprintf("multipart body has more than %d parts", h.opts.MaxBatchItems))
		}
		data, err := io.ReadAll(io.LimitReader(p, h.opts.MaxMessageBytes+1))
		if err != nil {
			return nil, errReply(http.StatusBadRequest, fmt.Sprintf("malformed multipart body in part %d: %v", len(items), err))
		}
		items = append(items, h.checkPart(p.Header.Get("Content-Type"), data))
	}
	if len(items) == 0 {
		return nil, errReply(http.StatusBadRequest, "empty batch: the multipart body has no part")
	}
	return items, nil
}

func (h *Handler) checkPart(ct string, data []byte) item {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !h.jsonMediaType(mt) || (params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8")) {
		return item{data: data, status: http.StatusUnsupportedMediaType,
			reason: fmt.Sprintf("part Content-Type %q is not %s", ct, jsonType)}
	}
	if int64(len(data)) > h.opts.MaxMessageBytes {
		return item{data: data, status: http.StatusRequestEntityTooLarge,
			reason: fmt.Sprintf("part exceeds the limit of %d bytes", h.opts.MaxMessageBytes)}
	}
	if !json.Valid(data) {
		return item{data: data, status: http.StatusBadRequest, reason: malformed(data).body.Error}
	}
	data = bytes.TrimSpace(data)
	if data[0] != '{' {
		return item{data: data, status: http.StatusBadRequest, reason: "not a JSON object"}
	}
	return item{data: data}
}

// splitArray returns the elements of the JSON array starting at body[at]
// (body must be valid JSON).
func splitArray(body []byte, at int) [][]byte {
	elems, _ := scanJSON(body, at)
	return elems
}

// maxJSONDepth is the nesting encoding/json accepts.
const maxJSONDepth = 10000

// scanJSON checks, in one pass, that body is one JSON value and nothing
// else but white space (exactly what json.Valid accepts), and returns the
// elements of a top-level array. start is the index of the value's first
// byte (after leading white space).
func scanJSON(body []byte, start int) (elems [][]byte, ok bool) {
	s := jsonScan{b: body, i: start}
	if start < len(body) && body[start] == '[' {
		ok = s.array(&elems)
	} else {
		ok = s.value()
	}
	if !ok {
		return nil, false
	}
	s.ws()
	return elems, s.i == len(body)
}

// jsonScan is a validating JSON scanner that only moves forward.
type jsonScan struct {
	b     []byte
	i     int
	depth int
}

func (s *jsonScan) ws() {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return // compact JSON: nothing to skip
	}
	s.space()
}

func (s *jsonScan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScan) value() bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; c {
	case '"':
		return s.str()
	case '{':
		return s.object()
	case '[':
		return s.array(nil)
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	default:
		return s.number()
	}
}

func (s *jsonScan) lit(l string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(l)) {
		return false
	}
	s.i += len(l)
	return true
}

// array scans an array at '[', appending its elements to elems if not nil.
func (s *jsonScan) array(elems *[][]byte) bool {
	if s.depth++; s.depth > maxJSONDepth {
		return false
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return true
	}
	for {
		start := s.i
		if !s.value() {
			return false
		}
		if elems != nil {
			*elems = append(*elems, s.b[start:s.i])
		}
		if more, ok := s.next(']'); !more {
			return ok
		}
	}
}

func (s *jsonScan) object() bool {
	if s.depth++; s.depth > maxJSONDepth {
		return false
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return true
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '"' || !s.str() {
			return false
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		if !s.value() {
			return false
		}
		if more, ok := s.next('}'); !more {
			return ok
		}
	}
}

// next reads what follows a member of a container that end closes: a comma
// (more members follow: more) or end (the container is complete: ok);
// anything else is malformed (neither).
func (s *jsonScan) next(end byte) (more, ok bool) {
	s.ws()
	if s.i >= len(s.b) {
		return false, false
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		s.ws()
		return true, true
	case end:
		s.i++
		s.depth--
		return false, true
	}
	return false, false
}

// str scans a string at '"'. Like encoding/json, it accepts any byte but
// control characters, and checks escapes but not UTF-8.
func (s *jsonScan) str() bool {
	b := s.b
	for i := s.i + 1; ; {
		i = nextStop(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case '"':
			s.i = i + 1
			return true
		case '\\':
			if i+1 >= len(b) {
				return false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return false
				}
				i += 6
			default:
				return false
			}
		default: // a control character
			return false
		}
	}
}

// nextStop returns the index of the first '"', '\\' or control character
// of b at or after i, or len(b). It tests eight bytes at a time (see
// stopBytes8).
func nextStop(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := stopBytes8(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// stopBytes8 flags (with its high bit) each of the eight bytes of w
// (little-endian) that is a control character, '"' or '\\'. Each test is
// the classic "has a byte less than n" bit trick: a borrow only moves
// upwards from a flagged byte, so the lowest flag is always right, and a
// zero result means that no byte is flagged.
func stopBytes8(w uint64) uint64 {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	q := w ^ (ones * '"')
	b := w ^ (ones * '\\')
	return ((w-ones*0x20)&^w | (q-ones)&^q | (b-ones)&^b) & highs
}

// number scans a number per RFC 8259 §6.
func (s *jsonScan) number() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		if i++; i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		i = digits(b, i)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		i = digits(b, i)
	}
	s.i = i
	return true
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}
