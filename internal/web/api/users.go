package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// userView is a user without the password hash.
type userView struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

func viewUser(u store.User) userView {
	return userView{Name: u.Name, Role: u.Role, Disabled: u.Disabled, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// listUsers serves GET /api/v1/users.
func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := a.opts.Users.Users(r.Context())
	if err != nil {
		return err
	}
	out := make([]userView, 0, len(us))
	for _, u := range us {
		out = append(out, viewUser(u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
	return nil
}

// userName reads and normalises the {name} path value.
func userName(r *http.Request) (string, error) {
	n, err := auth.NormalizeName(r.PathValue("name"))
	if err != nil {
		return "", notFound("user")
	}
	return n, nil
}

// getUser serves GET /api/v1/users/{name}.
func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	n, err := userName(r)
	if err != nil {
		return err
	}
	u, err := a.opts.Users.User(r.Context(), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewUser(u))
	return nil
}

// newUserBody creates a user.
type newUserBody struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// userRole checks a role given for a user.
func userRole(s string) (auth.Role, error) {
	r := auth.Role(s)
	if !r.UserRole() {
		e := badRequest("request body: role %q: want admin, analyst or viewer", s)
		e.Code = CodeInvalidArgument
		return "", e
	}
	return r, nil
}

// createUser serves POST /api/v1/users and answers 201 with the user.
func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var body newUserBody
	if err := decodeJSON(w, r, a.opts.MaxBodyBytes, &body); err != nil {
		return err
	}
	n, err := auth.NormalizeName(body.Name)
	if err != nil {
		return invalidArgument(err)
	}
	role, err := userRole(body.Role)
	if err != nil {
		return err
	}
	if _, err := a.opts.UserManager.CreateUser(r.Context(), n, role, auth.Secret(body.Password)); err != nil {
		return err
	}
	u, err := a.opts.Users.User(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+n)
	writeJSON(w, http.StatusCreated, viewUser(u))
	return nil
}

// patchUserBody changes a user; absent fields are left alone.
type patchUserBody struct {
	Role     *string `json:"role"`
	Password *string `json:"password"`
	Disabled *bool   `json:"disabled"`
}

// patchUser serves PATCH /api/v1/users/{name}: role, password reset (which
// ends the user's sessions) and disabling.
func (a *API) patchUser(w http.ResponseWriter, r *http.Request) error {
	n, err := userName(r)
	if err != nil {
		return err
	}
	var body patchUserBody
	if err := decodeJSON(w, r, a.opts.MaxBodyBytes, &body); err != nil {
		return err
	}
	if body.Role == nil && body.Password == nil && body.Disabled == nil {
		return badRequest("request body: nothing to change (want role, password or disabled)")
	}
	ctx := r.Context()
	u, err := a.opts.Users.User(ctx, n)
	if err != nil {
		return err
	}
	demotes := (body.Role != nil && *body.Role != string(auth.RoleAdmin)) || (body.Disabled != nil && *body.Disabled)
	if demotes && u.Role == string(auth.RoleAdmin) {
		if err := a.keepAnAdmin(r, n); err != nil {
			return err
		}
	}
	if body.Role != nil {
		role, err := userRole(*body.Role)
		if err != nil {
			return err
		}
		if err := a.opts.UserManager.SetRole(ctx, n, role); err != nil {
			return err
		}
	}
	if body.Password != nil {
		if err := a.opts.UserManager.SetPassword(ctx, n, auth.Secret(*body.Password)); err != nil {
			return err
		}
	}
	if body.Disabled != nil {
		if err := a.opts.UserManager.SetDisabled(ctx, n, *body.Disabled); err != nil {
			return err
		}
	}
	if u, err = a.opts.Users.User(ctx, n); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewUser(u))
	return nil
}

// deleteUser serves DELETE /api/v1/users/{name}; the store deletes the
// user's sessions and tokens with it.
func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) error {
	n, err := userName(r)
	if err != nil {
		return err
	}
	u, err := a.opts.Users.User(r.Context(), n)
	if err != nil {
		return err
	}
	if u.Role == string(auth.RoleAdmin) {
		if err := a.keepAnAdmin(r, n); err != nil {
			return err
		}
	}
	if err := a.opts.Users.DeleteUser(r.Context(), n); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// keepAnAdmin refuses to remove the admin role from the last enabled
// admin, or from oneself: either would lock administrators out.
func (a *API) keepAnAdmin(r *http.Request, name string) error {
	if principal(r).User() == name {
		return errorf(http.StatusConflict, CodeConflict, "you cannot demote, disable or delete your own account; ask another admin")
	}
	us, err := a.opts.Users.Users(r.Context())
	if err != nil {
		return err
	}
	others := slices.ContainsFunc(us, func(u store.User) bool {
		return u.Name != name && u.Role == string(auth.RoleAdmin) && !u.Disabled
	})
	if !others {
		return errorf(http.StatusConflict, CodeConflict, "%s is the last enabled admin", name)
	}
	return nil
}

// invalidArgument wraps a validation error of the auth layer (which has no
// sentinel for them) as a 400 naming the problem.
func invalidArgument(err error) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidArgument, Message: fmt.Sprintf("request body: %v", err), cause: errors.Unwrap(err)}
}
