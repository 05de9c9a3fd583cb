package assets_test

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/enrich"
	"github.com/vigie-siem/vigie/internal/enrich/assets"
)

const inventoryCSV = `ip,hostname,owner,criticality,location,latitude,longitude,tags
# the data centre
10.0.0.0/16,,infra team,medium,DC Paris,48.8566,2.3522,dc;paris
10.0.2.0/24,,db team,high,DC Paris room 2,,,db
10.0.2.20,db-01.corp.example,db team,Critical,DC Paris rack 4,48.8566,2.3522,db;pci
fd00:2::/64,,db team,high,DC Paris room 2,,,db
`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLongestPrefixMatch(t *testing.T) {
	dir := t.TempDir()
	inv, err := assets.LoadInventory(writeFile(t, dir, "a.csv", inventoryCSV),
		writeFile(t, dir, "b.json", `[{"ip":"192.168.1.5","hostname":"printer","tags":["office"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]string{
		"10.0.2.20":        "10.0.2.20/32",
		"10.0.2.21":        "10.0.2.0/24",
		"10.0.9.9":         "10.0.0.0/16",
		"::ffff:10.0.2.20": "10.0.2.20/32",
		"fd00:2::20":       "fd00:2::/64",
		"192.168.1.5":      "192.168.1.5/32",
		"10.1.0.1":         "",
		"fd00:3::1":        "",
	} {
		a, ok := inv.Lookup(netip.MustParseAddr(addr))
		got := ""
		if ok {
			got = a.Prefix
		}
		if got != want {
			t.Errorf("%s: matched %q, want %q", addr, got, want)
		}
	}
	a, _ := inv.Lookup(netip.MustParseAddr("10.0.2.20"))
	if a.Hostname != "db-01.corp.example" || a.Criticality != "critical" || len(a.Tags) != 2 || *a.Latitude != 48.8566 {
		t.Errorf("entry %+v", a)
	}
}

func TestReloadOnChange(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "a.csv", "ip,hostname\n10.0.0.1,old\n")
	inv, err := assets.LoadInventory(f)
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := inv.Reload(); changed || err != nil {
		t.Errorf("reload without change: %v %v", changed, err)
	}
	writeFile(t, dir, "a.csv", "ip,hostname\n10.0.0.1,newer-name\n")
	os.Chtimes(f, time.Now().Add(time.Minute), time.Now().Add(time.Minute))
	if changed, err := inv.Reload(); !changed || err != nil {
		t.Fatalf("reload after change: %v %v", changed, err)
	}
	if a, _ := inv.Lookup(netip.MustParseAddr("10.0.0.1")); a.Hostname != "newer-name" {
		t.Errorf("after reload: %+v", a)
	}
	// A broken file keeps the previous inventory.
	writeFile(t, dir, "a.csv", "ip,hostname\nnot-an-ip,x\n")
	os.Chtimes(f, time.Now().Add(2*time.Minute), time.Now().Add(2*time.Minute))
	if _, err := inv.Reload(); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("broken file: %v, want an error naming line 2", err)
	}
	if a, ok := inv.Lookup(netip.MustParseAddr("10.0.0.1")); !ok || a.Hostname != "newer-name" {
		t.Error("the previous inventory was lost")
	}
}

func TestParseErrorsNameTheProblem(t *testing.T) {
	for _, c := range []struct{ ext, data, want string }{
		{".csv", "ip,colour\n10.0.0.1,red\n", `unknown column "colour"`},
		{".csv", "hostname\nx\n", "no ip column"},
		{".csv", "ip,latitude,longitude\n10.0.0.1,abc,2\n", `line 2: latitude "abc"`},
		{".csv", "ip,latitude\n10.0.0.1,2\n", "go together"},
		{".csv", "ip,latitude,longitude\n10.0.0.1,95,2\n", "out of range"},
		{".json", `[{"ip":"10.0.0.1","colour":"red"}]`, "unknown field"},
		{".json", `[{"ip":"10.0.0.0/33"}]`, "item 0"},
		{".yaml", "", "unknown inventory format"},
	} {
		_, err := assets.Parse(c.ext, []byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: error %v, want %q", c.ext, c.data, err, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(".csv", inventoryCSV)
	f.Add(".json", `[{"ip":"10.0.0.0/8","hostname":"h","latitude":1,"longitude":2,"tags":["a"]}]`)
	f.Fuzz(func(t *testing.T, ext, data string) {
		list, err := assets.Parse(ext, []byte(data))
		if err != nil {
			return
		}
		for _, a := range list {
			if _, err := netip.ParsePrefix(a.Prefix); err != nil {
				t.Fatalf("accepted entry with prefix %q", a.Prefix)
			}
		}
	})
}

func alert(ips ...string) *idmefv2.Alert {
	a := &idmefv2.Alert{Version: idmefv2.VersionV08, ID: "c0ffee00-0000-4000-8000-000000000001", CreateTime: "2026-11-23T10:00:00Z",
		Priority: idmefv2.PriorityLow, Analyzer: idmefv2.Analyzer{Name: "t"}}
	for i, ip := range ips {
		a.Target = append(a.Target, idmefv2.Target{ID: "c0ffee00-0000-4000-8000-00000000010" + string(rune('0'+i)), IP: ip})
	}
	return a
}

func TestEnricherWritesAssetAndRaisesPriority(t *testing.T) {
	inv, err := assets.LoadInventory(writeFile(t, t.TempDir(), "a.csv", inventoryCSV))
	if err != nil {
		t.Fatal(err)
	}
	raise, err := assets.ParseRaise([]string{"critical=High", "high=Medium"})
	if err != nil {
		t.Fatal(err)
	}
	a := alert("10.0.2.20", "10.0.9.9", "172.16.0.1")
	if err := enrich.NewChain(nil, assets.New(assets.Options{Inventory: inv, Raise: raise})).Enrich(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	t0, t1, t2 := a.Target[0], a.Target[1], a.Target[2]
	if t0.Hostname != "db-01.corp.example" || t0.Location != "DC Paris rack 4" || t0.GeoLocation != "48.8566,2.3522" {
		t.Errorf("Target(0) %+v", t0)
	}
	if t1.Hostname != "" || t1.Location != "DC Paris" {
		t.Errorf("Target(1) %+v", t1)
	}
	if t2.Location != "" || len(t2.Attachment) != 0 {
		t.Errorf("unknown address enriched: %+v", t2)
	}
	if a.Priority != idmefv2.PriorityHigh {
		t.Errorf("priority %s, want High for a critical asset", a.Priority)
	}
	if r := a.Validate(); !r.Valid() {
		t.Fatalf("invalid: %v", r.Errors())
	}
	if _, err := assets.ParseRaise([]string{"critical=Urgent"}); err == nil {
		t.Error("unknown priority accepted")
	}
}

func BenchmarkInventoryLookup(b *testing.B) {
	dir := b.TempDir()
	p := filepath.Join(dir, "a.csv")
	os.WriteFile(p, []byte(inventoryCSV), 0o600)
	inv, err := assets.LoadInventory(p)
	if err != nil {
		b.Fatal(err)
	}
	addr := netip.MustParseAddr("10.0.2.21")
	for b.Loop() {
		inv.Lookup(addr)
	}
}
