package transport

import (
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	l, err := NewRateLimiter(RateLimitOptions{Rate: 1, Burst: 3, MaxPeers: 2})
	if err != nil {
		t.Fatal(err)
	}
	a := Peer{Name: "a", Method: AuthBearer}
	b := Peer{Method: AuthNone, Addr: "10.0.0.2:5555"}
	b2 := Peer{Method: AuthNone, Addr: "10.0.0.2:6666"} // same host, other port: same bucket

	if _, ok := l.Allow(a, 2); !ok {
		t.Fatal("a: first 2 messages refused within a burst of 3")
	}
	if wait, ok := l.Allow(a, 2); ok || wait <= 0 {
		t.Fatalf("a: 2 more messages allowed (wait %s) beyond the burst", wait)
	}
	if _, ok := l.Allow(a, 1); !ok {
		t.Fatal("a: a refused request consumed tokens")
	}
	if _, ok := l.Allow(b, 3); !ok {
		t.Fatal("b: its own bucket is not full")
	}
	if _, ok := l.Allow(b2, 1); ok {
		t.Fatal("b2: the same host got a second bucket")
	}
	// A batch larger than the burst passes once the bucket is full.
	if _, ok := l.Allow(Peer{Name: "big"}, 50); !ok {
		t.Fatal("a batch larger than the burst is refused forever")
	}
	if n := l.Len(); n != 2 {
		t.Fatalf("tracked peers = %d, want the bound 2", n)
	}
	// "a" was evicted (least recently used), so it starts with a full bucket.
	if _, ok := l.Allow(a, 3); !ok {
		t.Fatal("an evicted peer did not start with a full bucket")
	}
}

func TestRateLimiterRefill(t *testing.T) {
	l, err := NewRateLimiter(RateLimitOptions{Rate: 1000, Burst: 1})
	if err != nil {
		t.Fatal(err)
	}
	p := Peer{Name: "p"}
	l.Allow(p, 1)
	wait, ok := l.Allow(p, 1)
	if ok {
		t.Fatal("second message allowed with a burst of 1")
	}
	time.Sleep(wait)
	if _, ok := l.Allow(p, 1); !ok {
		t.Fatalf("refused after waiting the advised %s", wait)
	}
}

func TestNewRateLimiterRejectsBadOptions(t *testing.T) {
	for _, o := range []RateLimitOptions{{}, {Rate: -1}, {Rate: 1, Burst: -1}} {
		if _, err := NewRateLimiter(o); err == nil {
			t.Errorf("NewRateLimiter(%+v) accepted", o)
		}
	}
}
