package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	if !json.Valid(body) {
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
		elems := splitArray(body, start)
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

// splitArray returns the elements of the JSON array starting at body[at].
// body must be valid JSON (checked by json.Valid), which keeps the scan
// simple: only strings and nesting need tracking.
func splitArray(body []byte, at int) [][]byte {
	var elems [][]byte
	i := skipSpace(body, at+1)
	for i < len(body) && body[i] != ']' {
		end := valueEnd(body, i)
		elems = append(elems, body[i:end])
		i = skipSpace(body, end)
		if i < len(body) && body[i] == ',' {
			i = skipSpace(body, i+1)
		}
	}
	return elems
}

// valueEnd returns the index just after the JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		j := i
		for j < len(b) && !strings.ContainsRune(",]} \t\r\n", rune(b[j])) {
			j++
		}
		return j
	}
}

// stringEnd returns the index just after the string starting at b[i] == '"':
// the first quote not escaped by an odd run of backslashes.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return len(b)
		}
		j += k
		bs := 0
		for bs < j-i-1 && b[j-1-bs] == '\\' {
			bs++
		}
		if bs%2 == 0 {
			return j + 1
		}
	}
	return len(b)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}
