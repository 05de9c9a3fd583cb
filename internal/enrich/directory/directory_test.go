package directory_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jimlambrt/gldap"
	"github.com/jimlambrt/gldap/testdirectory"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/enrich"
	"github.com/vigie-siem/vigie/internal/enrich/directory"
)

const people = "ou=people,dc=example,dc=org"

// startDirectory runs a real LDAP server in process (gldap's
// testdirectory) with a service account and two users.
func startDirectory(t *testing.T) *testdirectory.Directory {
	t.Helper()
	d := testdirectory.Start(t, testdirectory.WithNoTLS(t), testdirectory.WithDefaults(t, &testdirectory.Defaults{AllowAnonymousBind: false}))
	t.Cleanup(d.Stop)
	d.SetUsers(
		gldap.NewEntry("uid=svc-vigie,"+people, map[string][]string{"uid": {"svc-vigie"}, "password": {"s3cret"}}),
		gldap.NewEntry("uid=alice,"+people, map[string][]string{
			"uid": {"alice"}, "displayName": {"Alice Martin"}, "mail": {"alice@example.org"}, "department": {"Finance"},
			"title": {"Accountant"}, "manager": {"uid=carol," + people},
			"memberOf":           {"cn=finance,ou=groups,dc=example,dc=org", "cn=vpn-users,ou=groups,dc=example,dc=org"},
			"userAccountControl": {"512"},
		}),
		gldap.NewEntry("uid=bob,"+people, map[string][]string{
			"uid": {"bob"}, "cn": {"Bob Durand"}, "userAccountControl": {"514"}, "nsAccountLock": {"TRUE"},
		}),
	)
	return d
}

func client(t *testing.T, d *testdirectory.Directory, opts directory.Options) *directory.Client {
	t.Helper()
	opts.URL = fmt.Sprintf("ldap://%s:%d", d.Host(), d.Port())
	if opts.BindDN == "" {
		opts.BindDN, opts.BindPassword = "uid=svc-vigie,"+people, "s3cret"
	}
	opts.BaseDN = "dc=example,dc=org"
	opts.Timeout = 5 * time.Second
	c, err := directory.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close) // the kept connections, before the directory stops
	return c
}

func TestLookupAgainstLDAPServer(t *testing.T) {
	d := startDirectory(t)
	c := client(t, d, directory.Options{})
	ctx := context.Background()
	u, found, err := c.Lookup(ctx, `CORP\alice`)
	if err != nil || !found {
		t.Fatalf("alice: found %v err %v", found, err)
	}
	if u.Name != "alice" || u.DisplayName != "Alice Martin" || u.Department != "Finance" || u.Manager != "carol" ||
		strings.Join(u.Groups, ",") != "finance,vpn-users" || u.Disabled || u.DN != "uid=alice,"+people {
		t.Errorf("alice: %+v", u)
	}
	u, _, err = c.Lookup(ctx, "bob")
	if err != nil || !u.Disabled || u.DisplayName != "Bob Durand" {
		t.Errorf("bob (userAccountControl 514): %+v %v", u, err)
	}
	if _, found, err := c.Lookup(ctx, "nobody"); found || err != nil {
		t.Errorf("unknown user: found %v err %v", found, err)
	}
	// A configurable attribute instead of userAccountControl.
	c2 := client(t, d, directory.Options{DisabledAttribute: "nsAccountLock"})
	if u, _, _ := c2.Lookup(ctx, "bob"); !u.Disabled {
		t.Error("nsAccountLock: TRUE not seen as disabled")
	}
	if u, _, _ := c2.Lookup(ctx, "alice"); u.Disabled {
		t.Error("alice without nsAccountLock seen as disabled")
	}
	// Wrong credentials are an error, not "not found".
	bad := client(t, d, directory.Options{BindDN: "uid=svc-vigie," + people, BindPassword: "wrong"})
	if _, _, err := bad.Lookup(ctx, "alice"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("bad bind: %v", err)
	}
}

func TestFilterEscapesUserName(t *testing.T) {
	d := startDirectory(t)
	c := client(t, d, directory.Options{})
	// An injection attempt must not match every entry.
	if _, found, err := c.Lookup(context.Background(), "*)(uid=*"); found {
		t.Errorf("filter injection matched an entry (err %v)", err)
	}
}

func TestEnricherRecordsUserAndDisabledAccount(t *testing.T) {
	d := startDirectory(t)
	cache := enrich.NewCache(client(t, d, directory.Options{}).Lookup, enrich.CacheOptions{Name: "directory", Budget: 5 * time.Second})
	defer cache.Close()
	a := &idmefv2.Alert{Version: idmefv2.VersionV08, ID: "c0ffee00-0000-4000-8000-000000000001", CreateTime: "2026-11-23T10:00:00Z",
		Priority: idmefv2.PriorityLow, Analyzer: idmefv2.Analyzer{Name: "t"},
		Source: []idmefv2.Source{{ID: "c0ffee00-0000-4000-8000-000000000002", User: "bob"}},
		Target: []idmefv2.Target{{ID: "c0ffee00-0000-4000-8000-000000000003", User: "alice"}}}
	if err := enrich.NewChain(nil, directory.New(cache, idmefv2.PriorityHigh)).Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Source[0].Note, "account disabled") || a.Priority != idmefv2.PriorityHigh {
		t.Errorf("disabled account: note %q priority %s", a.Source[0].Note, a.Priority)
	}
	if a.Target[0].Note != "" {
		t.Errorf("enabled account noted: %q", a.Target[0].Note)
	}
	if r := a.Validate(); !r.Valid() {
		t.Fatalf("invalid: %v", r.Errors())
	}
	s := enrich.NewSubject(a)
	directory.New(cache, "").Enrich(context.Background(), s)
	if f, ok := s.Found("directory", "Target(0)"); !ok || f.(directory.User).Department != "Finance" {
		t.Errorf("Target(0) finding %+v", f)
	}
}

// countingProxy forwards TCP connections to addr and counts them; drop
// closes the open ones, as a directory restart or idle timeout does.
type countingProxy struct {
	ln       net.Listener
	accepted atomic.Int32
	mu       sync.Mutex
	open     []net.Conn
}

func startProxy(t *testing.T, addr string) *countingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{ln: ln}
	t.Cleanup(func() { ln.Close(); p.drop() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			up, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.open = append(p.open, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	return p
}

func (p *countingProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.open {
		c.Close()
	}
	p.open = nil
}

// TestLookupsReuseConnections: look-ups share kept, bound connections
// instead of dialling and binding each time, and one the directory dropped
// is replaced without the look-up failing.
func TestLookupsReuseConnections(t *testing.T) {
	d := startDirectory(t)
	p := startProxy(t, fmt.Sprintf("%s:%d", d.Host(), d.Port()))
	c, err := directory.NewClient(directory.Options{URL: "ldap://" + p.ln.Addr().String(), BindDN: "uid=svc-vigie," + people,
		BindPassword: "s3cret", BaseDN: "dc=example,dc=org", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	lookup := func() {
		t.Helper()
		if u, found, err := c.Lookup(ctx, "alice"); err != nil || !found || u.DisplayName != "Alice Martin" {
			t.Fatalf("alice: %+v %v %v", u, found, err)
		}
	}
	for range 10 {
		lookup()
	}
	if n := p.accepted.Load(); n != 1 {
		t.Errorf("10 sequential look-ups opened %d connections, want 1", n)
	}

	// Concurrent look-ups open at most MaxIdle more... and keep them.
	var wg sync.WaitGroup
	for range 3 * directory.MaxIdle {
		wg.Go(lookup)
	}
	wg.Wait()
	before := p.accepted.Load()
	for range directory.MaxIdle {
		wg.Go(lookup)
	}
	wg.Wait()
	if p.accepted.Load() > before+directory.MaxIdle {
		t.Errorf("%d connections after concurrent look-ups, then %d more for %d look-ups", before, p.accepted.Load()-before, directory.MaxIdle)
	}

	// The directory drops every connection: the next look-up still works.
	p.drop()
	before = p.accepted.Load()
	lookup()
	if p.accepted.Load() == before {
		t.Error("no new connection after the directory dropped them")
	}

	// Closed: look-ups still work, each over its own connection.
	c.Close()
	before = p.accepted.Load()
	lookup()
	lookup()
	if n := p.accepted.Load() - before; n != 2 {
		t.Errorf("after Close, 2 look-ups opened %d connections, want 2", n)
	}
}
