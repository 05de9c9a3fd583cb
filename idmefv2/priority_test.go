package idmefv2

import "testing"

func TestPriorityRank(t *testing.T) {
	order := []Priority{PriorityUnknown, PriorityInfo, PriorityLow, PriorityMedium, PriorityHigh}
	for i, p := range order {
		if p.Rank() != i {
			t.Errorf("%s.Rank() = %d, want %d", p, p.Rank(), i)
		}
	}
	if Priority("Critical").Rank() != 0 {
		t.Error("a value outside the enumeration ranks above Unknown")
	}
}
