package api

import (
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vigie-siem/vigie/internal/store"
)

// deadLetterView is a dead letter as the API shows it. The raw input is
// given as text when it is UTF-8 (the usual case: JSON that failed
// validation) and as base64 otherwise.
type deadLetterView struct {
	ID         int64     `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	Sender     string    `json:"sender,omitempty"`
	RemoteAddr string    `json:"remote_addr,omitempty"`
	Reason     string    `json:"reason"`
	Problems   any       `json:"problems,omitempty"`
	RawSize    int       `json:"raw_size"`
	Truncated  bool      `json:"truncated"`
	RawText    *string   `json:"raw_text,omitempty"`
	RawBase64  []byte    `json:"raw_base64,omitempty"`
}

func viewDeadLetter(d store.DeadLetter, withRaw bool) deadLetterView {
	v := deadLetterView{
		ID: d.ID, ReceivedAt: d.ReceivedAt, Sender: d.Sender, RemoteAddr: d.RemoteAddr, Reason: d.Reason,
		RawSize: d.RawSize, Truncated: d.Truncated(),
	}
	if len(d.Problems) > 0 {
		v.Problems = d.Problems
	}
	if withRaw {
		if utf8.Valid(d.Raw) {
			s := string(d.Raw)
			v.RawText = &s
		} else {
			v.RawBase64 = d.Raw
		}
	}
	return v
}

// deadLettersResponse is one page, newest first.
type deadLettersResponse struct {
	DeadLetters []deadLetterView `json:"dead_letters"`
	// NextBefore is the before parameter of the next page; absent on the
	// last page.
	NextBefore int64 `json:"next_before,omitempty"`
}

// listDeadLetters serves GET /api/v1/deadletters.
func (a *API) listDeadLetters(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	if err := checkParams(v, "from", "to", "sender", "reason", "before", "limit"); err != nil {
		return err
	}
	now := a.now()
	f := store.DeadLetterFilter{Sender: v.Get("sender"), Reason: v.Get("reason")}
	var err error
	if f.From, err = parseTime("from", v.Get("from"), now); err != nil {
		return err
	}
	if f.To, err = parseTime("to", v.Get("to"), now); err != nil {
		return err
	}
	if b := v.Get("before"); b != "" {
		if f.Before, err = strconv.ParseInt(b, 10, 64); err != nil || f.Before < 1 {
			return paramError("before", "%q: want a dead letter ID (a positive integer)", b)
		}
	}
	if f.Limit, err = parseInt("limit", v.Get("limit"), 1, 1000, 50); err != nil {
		return err
	}
	dls, err := a.opts.DeadLetters.DeadLetters(r.Context(), f)
	if err != nil {
		return err
	}
	out := deadLettersResponse{DeadLetters: make([]deadLetterView, 0, len(dls))}
	for _, d := range dls {
		out.DeadLetters = append(out.DeadLetters, viewDeadLetter(d, false))
	}
	if len(dls) == f.Limit {
		out.NextBefore = dls[len(dls)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// deadLetterID reads the {id} path value.
func deadLetterID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, notFound("dead letter")
	}
	return id, nil
}

// deadLetter serves GET /api/v1/deadletters/{id}, raw input included.
func (a *API) deadLetter(w http.ResponseWriter, r *http.Request) error {
	id, err := deadLetterID(r)
	if err != nil {
		return err
	}
	// The store pages by "ID below"; the first of the page below id+1 is
	// id itself when it exists.
	dls, err := a.opts.DeadLetters.DeadLetters(r.Context(), store.DeadLetterFilter{Before: id + 1, Limit: 1})
	if err != nil {
		return err
	}
	if len(dls) == 0 || dls[0].ID != id {
		return notFound("dead letter")
	}
	writeJSON(w, http.StatusOK, viewDeadLetter(dls[0], true))
	return nil
}

// deleteDeadLetter serves DELETE /api/v1/deadletters/{id}.
func (a *API) deleteDeadLetter(w http.ResponseWriter, r *http.Request) error {
	id, err := deadLetterID(r)
	if err != nil {
		return err
	}
	n, err := a.opts.DeadLetters.DeleteDeadLetters(r.Context(), []int64{id})
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("dead letter")
	}
	noContent(w)
	return nil
}
