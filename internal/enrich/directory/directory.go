package directory

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/enrich"
)

// Options configures the LDAP client.
type Options struct {
	// URL is ldap://host:port or ldaps://host:port.
	URL string
	// BindDN and BindPassword authenticate; both empty: anonymous.
	BindDN, BindPassword string
	// BaseDN is where users are searched.
	BaseDN string
	// Filter finds a user; {user} is replaced by the escaped name.
	// Default: (|(sAMAccountName={user})(uid={user})(userPrincipalName={user})).
	Filter string
	// DisabledAttribute says an account is disabled: userAccountControl
	// (the AD bit 0x2) or any attribute whose presence with a value other
	// than false/0 means disabled (e.g. nsAccountLock).
	DisabledAttribute string
	// Timeout bounds the connection and each search.
	Timeout time.Duration
	// TLS configures ldaps://; nil: the system roots.
	TLS *tls.Config
}

// DefaultFilter is the default user search filter.
const DefaultFilter = "(|(sAMAccountName={user})(uid={user})(userPrincipalName={user}))"

// User is what the directory says about a user.
type User struct {
	Name        string   `json:"name"`
	DN          string   `json:"dn"`
	DisplayName string   `json:"display_name,omitempty"`
	Mail        string   `json:"mail,omitempty"`
	Department  string   `json:"department,omitempty"`
	Title       string   `json:"title,omitempty"`
	Manager     string   `json:"manager,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	Disabled    bool     `json:"disabled"`
}

// Client searches the directory. It keeps up to MaxIdle bound connections
// between look-ups, as a connection pool does: a look-up over a new one
// costs a TCP (and TLS) handshake and a bind, which a domain controller
// logs and rate-limits. A kept connection the directory has dropped (idle
// timeout, restart) is noticed on use and replaced once, transparently.
// Close closes the kept connections.
type Client struct {
	opts Options

	mu     sync.Mutex
	idle   []idleConn // most recently returned last
	closed bool
}

type idleConn struct {
	conn  *ldap.Conn
	since time.Time
}

const (
	// MaxIdle is how many connections a Client keeps between look-ups:
	// the enrichment cache's default number of workers.
	MaxIdle = 4
	// maxIdleTime closes a kept connection unused for longer, under the
	// idle limits of common directories (Active Directory: 15 minutes).
	maxIdleTime = 5 * time.Minute
)

// NewClient checks opts.
func NewClient(opts Options) (*Client, error) {
	if !strings.HasPrefix(opts.URL, "ldap://") && !strings.HasPrefix(opts.URL, "ldaps://") {
		return nil, fmt.Errorf("ldap url %q: want ldap://host:port or ldaps://host:port", opts.URL)
	}
	if opts.BaseDN == "" {
		return nil, errors.New("ldap: base DN is required")
	}
	if opts.Filter == "" {
		opts.Filter = DefaultFilter
	}
	if !strings.Contains(opts.Filter, "{user}") {
		return nil, fmt.Errorf("ldap filter %q: must contain {user}", opts.Filter)
	}
	if opts.DisabledAttribute == "" {
		opts.DisabledAttribute = "userAccountControl"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	return &Client{opts: opts}, nil
}

// Close closes the connections the client keeps; look-ups after it open
// and close their own.
func (c *Client) Close() {
	c.mu.Lock()
	idle := c.idle
	c.idle, c.closed = nil, true
	c.mu.Unlock()
	for _, ic := range idle {
		ic.conn.Close()
	}
}

// Lookup finds user (a bare name; "DOMAIN\name" is reduced to name).
func (c *Client) Lookup(ctx context.Context, user string) (User, bool, error) {
	name := user
	if i := strings.LastIndexByte(name, '\\'); i >= 0 {
		name = name[i+1:]
	}
	if name == "" {
		return User{}, false, nil
	}
	for {
		conn, kept, err := c.conn()
		if err != nil {
			return User{}, false, err
		}
		u, found, err := c.search(ctx, conn, name)
		if err != nil && (ldap.IsErrorWithCode(err, ldap.ErrorNetwork) || conn.IsClosing()) {
			conn.Close()
			if kept && ctx.Err() == nil {
				continue // dropped while kept: once more over a new connection
			}
			return User{}, false, err
		}
		c.release(conn)
		return u, found, err
	}
}

// conn returns a kept connection (kept true) or a new bound one.
func (c *Client) conn() (conn *ldap.Conn, kept bool, err error) {
	now := time.Now()
	c.mu.Lock()
	for len(c.idle) > 0 {
		ic := c.idle[len(c.idle)-1]
		c.idle = c.idle[:len(c.idle)-1]
		if now.Sub(ic.since) < maxIdleTime && !ic.conn.IsClosing() {
			c.mu.Unlock()
			return ic.conn, true, nil
		}
		ic.conn.Close()
	}
	c.mu.Unlock()
	conn, err = c.dial()
	return conn, false, err
}

// release keeps conn for the next look-up, or closes it.
func (c *Client) release(conn *ldap.Conn) {
	c.mu.Lock()
	if c.closed || conn.IsClosing() || len(c.idle) >= MaxIdle {
		c.mu.Unlock()
		conn.Close()
		return
	}
	c.idle = append(c.idle, idleConn{conn, time.Now()})
	c.mu.Unlock()
}

// dial opens and binds a connection.
func (c *Client) dial() (*ldap.Conn, error) {
	dialOpts := []ldap.DialOpt{ldap.DialWithDialer(&net.Dialer{Timeout: c.opts.Timeout})}
	if c.opts.TLS != nil {
		dialOpts = append(dialOpts, ldap.DialWithTLSConfig(c.opts.TLS))
	}
	conn, err := ldap.DialURL(c.opts.URL, dialOpts...)
	if err != nil {
		return nil, fmt.Errorf("ldap dial: %w", err)
	}
	conn.SetTimeout(c.opts.Timeout)
	if c.opts.BindDN != "" {
		if err := conn.Bind(c.opts.BindDN, c.opts.BindPassword); err != nil {
			conn.Close()
			return nil, fmt.Errorf("ldap bind as %s: %w", c.opts.BindDN, err)
		}
	}
	return conn, nil
}

// search looks name up over conn. A context that ends during the search
// closes conn, which the caller then does not keep.
func (c *Client) search(ctx context.Context, conn *ldap.Conn, name string) (User, bool, error) {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	attrs := []string{"displayName", "cn", "mail", "department", "title", "manager", "memberOf", c.opts.DisabledAttribute}
	filter := strings.ReplaceAll(c.opts.Filter, "{user}", ldap.EscapeFilter(name))
	req := ldap.NewSearchRequest(c.opts.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2,
		int(c.opts.Timeout/time.Second)+1, false, filter, attrs, nil)
	res, err := conn.Search(req)
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return User{}, false, nil
	}
	if err != nil {
		return User{}, false, fmt.Errorf("ldap search for %q: %w", name, err)
	}
	if len(res.Entries) == 0 {
		return User{}, false, nil
	}
	e := res.Entries[0]
	u := User{Name: name, DN: e.DN, DisplayName: e.GetAttributeValue("displayName"), Mail: e.GetAttributeValue("mail"),
		Department: e.GetAttributeValue("department"), Title: e.GetAttributeValue("title"), Manager: cn(e.GetAttributeValue("manager"))}
	if u.DisplayName == "" {
		u.DisplayName = e.GetAttributeValue("cn")
	}
	for _, g := range e.GetAttributeValues("memberOf") {
		u.Groups = append(u.Groups, cn(g))
	}
	v := e.GetAttributeValue(c.opts.DisabledAttribute)
	if strings.EqualFold(c.opts.DisabledAttribute, "userAccountControl") {
		n, err := strconv.ParseInt(v, 10, 64)
		u.Disabled = err == nil && n&0x2 != 0
	} else {
		u.Disabled = v != "" && !strings.EqualFold(v, "false") && v != "0"
	}
	return u, true, nil
}

// cn returns the first RDN value of a DN ("CN=Ann,OU=…" → "Ann"), or the
// DN itself when it does not parse.
func cn(dn string) string {
	d, err := ldap.ParseDN(dn)
	if err != nil || len(d.RDNs) == 0 || len(d.RDNs[0].Attributes) == 0 {
		return dn
	}
	return d.RDNs[0].Attributes[0].Value
}

// Enricher is the directory step.
type Enricher struct {
	cache    *enrich.Cache[User]
	disabled idmefv2.Priority
}

// New returns the step; an alert about a disabled account gets at least
// the priority disabled ("" : unchanged).
func New(cache *enrich.Cache[User], disabled idmefv2.Priority) *Enricher {
	return &Enricher{cache: cache, disabled: disabled}
}

// Name is "directory".
func (*Enricher) Name() string { return "directory" }

// Enrich looks up each host's User.
func (e *Enricher) Enrich(ctx context.Context, s *enrich.Subject) {
	for _, h := range s.Hosts {
		if *h.User == "" {
			continue
		}
		u, st := e.cache.Get(ctx, *h.User)
		switch st {
		case enrich.Hit:
			s.Record(e.Name(), h.Key(), u)
			if u.Disabled {
				h.AddNote("user " + u.Name + ": account disabled in the directory")
				if e.disabled != "" {
					s.RaisePriority(e.Name(), e.disabled, h.Key()+" user "+u.Name+" is disabled")
				}
			}
		case enrich.Pending:
			s.Pending(e.Name(), h.Key())
		}
	}
}
