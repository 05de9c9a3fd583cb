// Package directory looks the users named in alerts up in LDAP or Active
// Directory: display name, department, manager, groups and whether the
// account is disabled (Active Directory's userAccountControl bit, or a
// configurable attribute such as nsAccountLock). Answers are cached through
// enrich.Cache, so a slow directory never holds an alert.
package directory
