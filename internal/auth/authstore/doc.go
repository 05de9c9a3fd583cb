// Package authstore keeps the auth layer's users, API tokens and sessions
// in the alert store's accounts (store.Accounts).
//
// Store implements auth.UserStore, auth.TokenStore and auth.SessionStore
// exactly: the store keeps every field the auth layer defines, so the
// adapter only converts types (a TokenHash is stored as lower-case hex)
// and errors (store.ErrNotFound also matches auth.ErrNotFound, and
// store.ErrConflict auth.ErrExists). Uniqueness of user names and of token
// IDs, names and hashes is enforced by the store's insert, not checked
// beforehand.
package authstore
