package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnrichSettingsValidated(t *testing.T) {
	_, err := LoadEnv(filepath.Join("testdata", "enrich-invalid.yaml"), noEnv)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v, want *Error", err)
	}
	got := ce.Error()
	for _, want := range []string{
		`line 3: enrich.budget = "5s": must be from 0 to 1s`,
		`enrich.assets.raise_priority[0] = "critical=Urgent": want criticality=Priority`,
		`line 7: enrich.assets.glpi.url = "glpi.example/apirest.php": want an http(s)://host/… URL`,
		`enrich.assets.glpi.user_token: required with enrich.assets.glpi.url`,
		`line 9: enrich.directory.url = "http://dc.example": want ldap://host:port or ldaps://host:port`,
		`enrich.directory.base_dn: required with enrich.directory.url`,
		`line 10: enrich.directory.filter = "(uid=%s)": must contain {user}`,
		`line 12: enrich.dns.server = "10.0.0.53": want host:port`,
		`enrich.cti.lists[0] = "no-location": want name=location`,
		`enrich.cti.lists[2] = "a=y.csv": list name a is used twice`,
		`line 15: enrich.cti.raise_priority = "Critical": want empty or one of Unknown, Info, Low, Medium, High`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing problem %q in:\n%s", want, got)
		}
	}
}

func TestEnrichPathsResolvedAgainstTheFile(t *testing.T) {
	c, err := LoadEnv(filepath.Join("testdata", "enrich-paths.good.yaml"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("testdata")
	if got := c.Enrich.Assets.Files; len(got) != 2 || got[0] != filepath.Join(abs, "assets.csv") || got[1] != "/etc/vigie/more.json" {
		t.Errorf("files %v", got)
	}
	if c.GeoIPCountryDB() != filepath.Join(abs, "country.mmdb") {
		t.Errorf("country db %s", c.GeoIPCountryDB())
	}
}
