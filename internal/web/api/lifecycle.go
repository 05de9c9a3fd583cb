package api

import (
	"net/http"
	"slices"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// changeBody is a lifecycle change as clients send it. Absent fields are
// left alone; "assignee": "" unassigns.
type changeBody struct {
	State      *store.State `json:"state"`
	Assignee   *string      `json:"assignee"`
	AddTags    []string     `json:"add_tags"`
	RemoveTags []string     `json:"remove_tags"`
	Comment    string       `json:"comment"`
}

// change converts the body, checking that it changes something and that
// the principal may make each kind of change.
func (b changeBody) change(r *http.Request) (store.Change, error) {
	if b.State == nil && b.Assignee == nil && len(b.AddTags) == 0 && len(b.RemoveTags) == 0 && b.Comment == "" {
		return store.Change{}, badRequest("request body: nothing to change (want state, assignee, add_tags, remove_tags or comment)")
	}
	var acts []auth.Action
	if b.State != nil || b.Assignee != nil {
		acts = append(acts, auth.ActionAlertsTriage)
	}
	if len(b.AddTags) > 0 || len(b.RemoveTags) > 0 {
		acts = append(acts, auth.ActionAlertsTag)
	}
	if b.Comment != "" {
		acts = append(acts, auth.ActionAlertsComment)
	}
	if err := require(r, acts...); err != nil {
		return store.Change{}, err
	}
	if b.State != nil && !b.State.Valid() {
		e := badRequest("request body: state %q: want one of %v", *b.State, store.States())
		e.Code = CodeInvalidArgument
		return store.Change{}, e
	}
	return store.Change{State: b.State, Assignee: b.Assignee, AddTags: b.AddTags, RemoveTags: b.RemoveTags, Comment: b.Comment}, nil
}

// patchResponse is the answer of PATCH /api/v1/alerts/{id}.
type patchResponse struct {
	Changed   bool            `json:"changed"`
	Lifecycle store.Lifecycle `json:"lifecycle"`
}

// patchAlert serves PATCH /api/v1/alerts/{id}.
func (a *API) patchAlert(w http.ResponseWriter, r *http.Request) error {
	var body changeBody
	if err := decodeJSON(w, r, a.opts.MaxBodyBytes, &body); err != nil {
		return err
	}
	ch, err := body.change(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	res, err := a.opts.Lifecycle.UpdateAlerts(r.Context(), []string{id}, ch, principal(r).User())
	if err != nil {
		return err
	}
	al, err := a.opts.Alerts.Alert(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, patchResponse{Changed: res.Changed > 0, Lifecycle: al.Lifecycle})
	return nil
}

// commentBody is a new comment.
type commentBody struct {
	Body string `json:"body"`
}

// addComment serves POST /api/v1/alerts/{id}/comments and answers 201 with
// the comment as stored.
func (a *API) addComment(w http.ResponseWriter, r *http.Request) error {
	var body commentBody
	if err := decodeJSON(w, r, a.opts.MaxBodyBytes, &body); err != nil {
		return err
	}
	if body.Body == "" {
		return badRequest("request body: body is empty")
	}
	id, actor := r.PathValue("id"), principal(r).User()
	if _, err := a.opts.Lifecycle.UpdateAlerts(r.Context(), []string{id}, store.Change{Comment: body.Body}, actor); err != nil {
		return err
	}
	cs, err := a.opts.Lifecycle.Comments(r.Context(), id)
	if err != nil {
		return err
	}
	// The store appends; the newest comment by this author with this body
	// is the one just added.
	for _, c := range slices.Backward(cs) {
		if c.Author == actor && c.Body == body.Body {
			w.Header().Set("Location", r.URL.Path)
			writeJSON(w, http.StatusCreated, c)
			return nil
		}
	}
	writeJSON(w, http.StatusCreated, store.Comment{AlertID: id, Author: actor, Body: body.Body})
	return nil
}

// listComments serves GET /api/v1/alerts/{id}/comments.
func (a *API) listComments(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := a.mustExist(r, id); err != nil {
		return err
	}
	cs, err := a.opts.Lifecycle.Comments(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"comments": nonNil(cs)})
	return nil
}

// audit serves GET /api/v1/alerts/{id}/audit.
func (a *API) audit(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := a.mustExist(r, id); err != nil {
		return err
	}
	es, err := a.opts.Lifecycle.Audit(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"audit": nonNil(es)})
	return nil
}

// mustExist turns an unknown alert into a 404 for routes whose store call
// would answer an empty list.
func (a *API) mustExist(r *http.Request, id string) error {
	_, err := a.opts.Alerts.Alert(r.Context(), id)
	return err
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
