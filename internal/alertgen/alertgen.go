package alertgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-siem/vigie/idmefv2"
)

// Kind selects a family of scenarios.
type Kind string

// The scenario families.
const (
	KindCyber        Kind = "cyber"
	KindPhysical     Kind = "physical"
	KindAvailability Kind = "availability"
)

// Options configures a Generator. The zero value is usable: every kind,
// seed 1, the wall clock, 15% IPv6.
type Options struct {
	Seed         uint64           // 0 means 1
	Kinds        []Kind           // nil means every kind
	Now          func() time.Time // nil means time.Now
	IPv6Fraction float64          // share of external addresses that are IPv6; 0 means 0.15, negative means none
	Organisation string           // OrganisationName of every alert; "" means "Example Corp"
}

// Generator produces alerts. It is not safe for concurrent use.
type Generator struct {
	opts      Options
	rnd       *rand.Rand
	scenarios []scenario
	weights   int
	burst     *burst
}

// burst repeats one scenario with the same actors, as a campaign would.
type burst struct {
	sc       scenario
	left     int
	attacker string
	target   host
	user     string
}

type scenario struct {
	name   string
	kind   Kind
	weight int
	burst  [2]int // min, max repetitions; {0,0} for single alerts
	fill   func(g *Generator, a *idmefv2.Alert, b *burst)
}

// New returns a Generator for opts.
func New(opts Options) (*Generator, error) {
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IPv6Fraction == 0 {
		opts.IPv6Fraction = 0.15
	}
	if opts.Organisation == "" {
		opts.Organisation = "Example Corp"
	}
	g := &Generator{opts: opts, rnd: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
	kinds := map[Kind]bool{}
	for _, k := range opts.Kinds {
		switch k {
		case KindCyber, KindPhysical, KindAvailability:
			kinds[k] = true
		default:
			return nil, fmt.Errorf("alertgen: unknown kind %q (want cyber, physical or availability)", k)
		}
	}
	for _, sc := range allScenarios() {
		if len(kinds) == 0 || kinds[sc.kind] {
			g.scenarios = append(g.scenarios, sc)
			g.weights += sc.weight
		}
	}
	return g, nil
}

// Next returns a new alert.
func (g *Generator) Next() *idmefv2.Alert {
	if g.burst == nil || g.burst.left == 0 {
		g.burst = g.newBurst(g.pick())
	}
	g.burst.left--
	now := g.opts.Now().UTC()
	a := &idmefv2.Alert{
		Version:          idmefv2.VersionV08,
		ID:               g.uuid(),
		CreateTime:       idmefv2.FormatTime(now),
		StartTime:        idmefv2.FormatTime(now.Add(-time.Duration(g.rnd.IntN(5000)) * time.Millisecond)),
		OrganisationName: g.opts.Organisation,
		Status:           []idmefv2.Status{"Event"},
	}
	g.burst.sc.fill(g, a, g.burst)
	return a
}

// Run calls fn with count alerts (count <= 0: until ctx ends), at most rate
// alerts per second (rate <= 0: as fast as fn accepts them). It returns the
// number of alerts generated, and ctx's error or fn's first error.
func (g *Generator) Run(ctx context.Context, count int, rate float64, fn func(*idmefv2.Alert) error) (int, error) {
	return pace(ctx, count, rate, func() error { return fn(g.Next()) })
}

func (g *Generator) pick() scenario {
	n := g.rnd.IntN(g.weights)
	for _, sc := range g.scenarios {
		if n < sc.weight {
			return sc
		}
		n -= sc.weight
	}
	return g.scenarios[len(g.scenarios)-1]
}

func (g *Generator) newBurst(sc scenario) *burst {
	b := &burst{sc: sc, left: 1, attacker: g.attacker(), target: pick(g, internalHosts), user: pick(g, users)}
	if sc.burst[1] > 0 {
		b.left = sc.burst[0] + g.rnd.IntN(sc.burst[1]-sc.burst[0]+1)
	}
	return b
}

// uuid returns a version-4 UUID drawn from the generator's seeded source, so
// that output is reproducible.
func (g *Generator) uuid() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := g.rnd.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return uuid.UUID(b).String()
}

func (g *Generator) attacker() string {
	if g.opts.IPv6Fraction > 0 && g.rnd.Float64() < g.opts.IPv6Fraction {
		return pick(g, attackersV6)
	}
	return pick(g, attackersV4)
}

func (g *Generator) port() int { return 1024 + g.rnd.IntN(64511) }

func pick[T any](g *Generator, list []T) T { return list[g.rnd.IntN(len(list))] }
