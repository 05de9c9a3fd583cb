package store_test

import (
	"fmt"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

func TestAroundAlertIsBounded(t *testing.T) {
	a := &idmefv2.Alert{Analyzer: idmefv2.Analyzer{Hostname: "web01", IP: "192.0.2.1"}}
	for i := range 5000 {
		a.Source = append(a.Source, idmefv2.Source{Hostname: fmt.Sprintf("h%d", i), IP: fmt.Sprintf("10.0.%d.%d", i>>8, i&255)})
		a.Target = append(a.Target, idmefv2.Target{Hostname: "web01", IP: "192.0.2.1"}) // duplicates
	}
	ar := store.AroundAlert(a)
	if len(ar.Hosts) != store.MaxAround || len(ar.IPs) != store.MaxAround {
		t.Fatalf("%d hosts, %d addresses, want %d each", len(ar.Hosts), len(ar.IPs), store.MaxAround)
	}
	if ar.Hosts[0] != "web01" || ar.IPs[0] != "192.0.2.1" || ar.Hosts[1] != "h0" {
		t.Errorf("first hosts %v, addresses %v: want the analyzer's, then the sources' in order", ar.Hosts[:2], ar.IPs[:2])
	}
}
