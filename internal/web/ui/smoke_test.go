package ui

import "testing"

func TestSmokeDump(t *testing.T) {
	f := newFixture(t, 300, nil)
	c := f.login("admin", adminPassword)
	for _, p := range []string{"/alerts", "/alerts/" + f.enriched, "/groups", "/dashboard", "/graph", "/sensors", "/rules", "/deadletters", "/users", "/tokens"} {
		res, body := c.get(p)
		t.Logf("%s %d %d bytes", p, res.StatusCode, len(body))
		if res.StatusCode != 200 {
			t.Log(body)
		}
	}
}
