package assets_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/enrich"
	"github.com/vigie-siem/vigie/internal/enrich/assets"
)

// fakeGLPI serves the parts of GLPI's apirest.php the client uses, as GLPI
// documents them: initSession (App-Token + "Authorization: user_token"),
// search/Computer with criteria on the IP search option, Computer/:id,
// Location/:id and killSession; errors as GLPI's ["ERROR_…", "message"].
type fakeGLPI struct {
	mu       sync.Mutex
	sessions map[string]bool
	inits    int
	searches int
	killed   int
	// computers by IP.
	byIP map[string]int
}

const appToken, userToken = "app-secret", "user-secret"

func (f *fakeGLPI) handler(t *testing.T) http.Handler {
	fail := func(w http.ResponseWriter, status int, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode([]string{code, msg})
	}
	ok := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.Method != http.MethodGet {
			fail(w, 405, "ERROR_METHOD_NOT_ALLOWED", "")
			return
		}
		if r.Header.Get("App-Token") != appToken {
			fail(w, 400, "ERROR_WRONG_APP_TOKEN_PARAMETER", "parameter app_token seems wrong")
			return
		}
		path := strings.TrimPrefix(r.URL.Path, "/glpi/apirest.php/")
		if path == "initSession" {
			if r.Header.Get("Authorization") != "user_token "+userToken {
				fail(w, 401, "ERROR_GLPI_LOGIN_USER_TOKEN", "parameter user_token seems invalid")
				return
			}
			f.inits++
			tok := "sess" + strconv.Itoa(f.inits)
			f.sessions[tok] = true
			ok(w, 200, map[string]string{"session_token": tok})
			return
		}
		if !f.sessions[r.Header.Get("Session-Token")] {
			fail(w, 401, "ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid")
			return
		}
		q := r.URL.Query()
		switch {
		case path == "killSession":
			delete(f.sessions, r.Header.Get("Session-Token"))
			f.killed++
			ok(w, 200, []any{})
		case path == "search/Computer":
			f.searches++
			if q.Get("criteria[0][field]") != "126" || q.Get("criteria[0][searchtype]") != "equals" {
				fail(w, 400, "ERROR_BAD_ARRAY", "unexpected criteria: "+r.URL.RawQuery)
				return
			}
			id, found := f.byIP[q.Get("criteria[0][value]")]
			if !found {
				ok(w, 200, map[string]any{"totalcount": 0, "count": 0, "sort": []int{1}, "order": []string{"ASC"}})
				return
			}
			ok(w, 200, map[string]any{"totalcount": 1, "count": 1, "sort": []int{1}, "order": []string{"ASC"},
				"data": []map[string]any{{"1": "srv-" + strconv.Itoa(id), "2": id}}, "content-range": "0-0/1"})
		case strings.HasPrefix(path, "Computer/"):
			id, _ := strconv.Atoi(strings.TrimPrefix(path, "Computer/"))
			ok(w, 200, map[string]any{"id": id, "name": "srv-" + strconv.Itoa(id), "contact": "ops@corp.example", "locations_id": 7, "entities_id": 0})
		case path == "Location/7":
			ok(w, 200, map[string]any{"id": 7, "name": "Rack 4", "completename": "Paris > DC1 > Rack 4",
				"address": "1 rue de la Paix", "town": "Paris", "country": "France", "latitude": "48.8698", "longitude": "2.3311"})
		default:
			fail(w, 404, "ERROR_ITEM_NOT_FOUND", "not found: "+path)
		}
	})
}

func newFakeGLPI(t *testing.T) (*fakeGLPI, *httptest.Server) {
	f := &fakeGLPI{sessions: map[string]bool{}, byIP: map[string]int{"10.0.5.40": 12}}
	srv := httptest.NewServer(f.handler(t))
	t.Cleanup(srv.Close)
	return f, srv
}

func TestGLPIComputerByIP(t *testing.T) {
	f, srv := newFakeGLPI(t)
	g, err := assets.NewGLPI(assets.GLPIOptions{URL: srv.URL + "/glpi/apirest.php", AppToken: appToken, UserToken: userToken,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, found, err := g.ComputerByIP(ctx, "10.0.5.40")
	if err != nil || !found {
		t.Fatalf("found %v err %v", found, err)
	}
	want := srv.URL + "/glpi/front/computer.form.php?id=12"
	if a.Hostname != "srv-12" || a.Owner != "ops@corp.example" || a.Link != want || a.GLPIID != 12 ||
		a.Location != "Paris > DC1 > Rack 4, 1 rue de la Paix, Paris, France" || a.Latitude == nil || *a.Latitude != 48.8698 {
		t.Errorf("asset %+v", a)
	}
	if _, found, err := g.ComputerByIP(ctx, "10.9.9.9"); found || err != nil {
		t.Errorf("unknown IP: found %v err %v", found, err)
	}
	// An expired session is opened again once, transparently.
	f.mu.Lock()
	f.sessions = map[string]bool{}
	f.mu.Unlock()
	if _, found, err := g.ComputerByIP(ctx, "10.0.5.40"); !found || err != nil {
		t.Errorf("after session expiry: found %v err %v", found, err)
	}
	if f.inits != 2 {
		t.Errorf("%d initSession, want 2", f.inits)
	}
	if err := g.Close(ctx); err != nil || f.killed != 1 {
		t.Errorf("killSession: %v, killed %d", err, f.killed)
	}

	bad, _ := assets.NewGLPI(assets.GLPIOptions{URL: srv.URL + "/glpi/apirest.php", AppToken: appToken, UserToken: "wrong"})
	if _, _, err := bad.ComputerByIP(ctx, "10.0.5.40"); err == nil || !strings.Contains(err.Error(), "ERROR_GLPI_LOGIN_USER_TOKEN") {
		t.Errorf("wrong token: %v", err)
	}
}

func TestEnricherAsksGLPIForUnknownAddresses(t *testing.T) {
	f, srv := newFakeGLPI(t)
	g, _ := assets.NewGLPI(assets.GLPIOptions{URL: srv.URL + "/glpi/apirest.php", AppToken: appToken, UserToken: userToken})
	cache := enrich.NewCache(g.ComputerByIP, enrich.CacheOptions{Name: "glpi", Budget: 5 * time.Second})
	defer cache.Close()
	inv, _ := assets.LoadInventory(writeFile(t, t.TempDir(), "a.csv", "ip,hostname\n10.0.1.10,web-01\n"))
	step := assets.New(assets.Options{Inventory: inv, GLPI: cache})
	a := alert("10.0.1.10", "10.0.5.40")
	if err := enrich.NewChain(nil, step).Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if a.Target[0].Hostname != "web-01" || a.Target[1].Hostname != "srv-12" || a.Target[1].GeoLocation != "48.8698,2.3311" {
		t.Errorf("targets %+v", a.Target)
	}
	if f.searches != 1 {
		t.Errorf("%d GLPI searches, want 1 (the inventory knew the other address)", f.searches)
	}
	if r := a.Validate(); !r.Valid() {
		t.Fatalf("invalid: %v", r.Errors())
	}
	var doc enrich.Document
	for _, at := range a.Attachment {
		if at.Name == enrich.AttachmentName {
			json.Unmarshal(at.Content, &doc)
		}
	}
	got, _ := json.Marshal(doc.Enrichers["assets"]["Target(1)"])
	link := srv.URL + "/glpi/front/computer.form.php?id=12"
	if !strings.Contains(string(got), `"link":"`+link+`"`) {
		t.Errorf("attachment lacks the GLPI link: %s", got)
	}
	// The GLPI add-on's link attachment, referred to by the host.
	var glpi *idmefv2.Attachment
	for i := range a.Attachment {
		if a.Attachment[i].Name == "glpi12" {
			glpi = &a.Attachment[i]
		}
	}
	if glpi == nil || len(glpi.ExternalURI) != 1 || glpi.ExternalURI[0] != link || !slices.Contains(a.Target[1].Attachment, "glpi12") {
		t.Errorf("GLPI link attachment %+v, Target(1) refs %v", glpi, a.Target[1].Attachment)
	}
}
