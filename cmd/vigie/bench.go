package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/alertgen"
)

func newBenchCmd() *cobra.Command {
	var (
		cf          clientFlags
		api         string
		apiUser     string
		apiPassword string
		duration    time.Duration
		sampleEvery int
		seed        uint64
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Drive a running Vigie over HTTP and report sustained alerts/s and acknowledgement-to-queryable latency",
		Long: `Send generated alerts to a running Vigie's ingest (--url) as fast as it acknowledges
them, in JSON-array batches (--batch) from --concurrency senders, for --duration. Every
--sample-every-th batch, one of its alert IDs is polled on the REST API (--api,
GET /api/v1/alerts/{id}) until it is queryable: the time from the batch's acknowledgement
to that moment is the acknowledgement-to-queryable latency. One poller takes the samples
in the order they were acknowledged, a request every 10 ms at most, so that measuring
loads the instance little; a sample found after an older one is an upper bound. For the polls, --api-user and
--api-password are exchanged once for a short-lived viewer API token, revoked at the end
(verifying a password on every poll would load the server under test).

Report: alerts acknowledged per second, rejected and failed counts, and the latency
percentiles. The instance is loaded for real: run it against a test instance.`,
		Example: `  VIGIE_ADMIN_PASSWORD=secret vigie serve --ingest-auth none &
  vigie bench --url http://127.0.0.1:4690/ --api http://127.0.0.1:8080 --api-user admin --api-password secret`,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			defer c.Close()
			g, err := alertgen.New(alertgen.Options{Seed: seed})
			if err != nil {
				return err
			}
			// The generator's alerts, encoded once and replayed with fresh
			// IDs and times: generating costs the machine under test
			// little.
			// The IDs are seeded at random: with --seed's, a second run
			// against the same instance re-sent the first run's IDs, and
			// measured updates instead of new alerts.
			var idSeed [8]byte
			if _, err := rand.Read(idSeed[:]); err != nil {
				return fmt.Errorf("bench: ID seed: %w", err)
			}
			tp, err := alertgen.NewTemplates(g, benchTemplates, binary.LittleEndian.Uint64(idSeed[:]), nil)
			if err != nil {
				return err
			}
			b := &bench{
				client: c, alerts: tp, batch: max(cf.batch, 1), api: api, user: apiUser,
				password:    firstNonEmpty(apiPassword, os.Getenv("VIGIE_ADMIN_PASSWORD")),
				sampleEvery: max(sampleEvery, 1),
				// The latency polls of concurrent samples reuse their
				// connections (the default keeps 2 idle per host, so most
				// polls opened a new one, with a TLS handshake on https).
				http: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
					Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}},
			}
			if api != "" {
				// Polling with HTTP Basic would make the server verify the
				// password (a memory-hard hash) on every poll, loading the
				// machine under test: the password is exchanged once for
				// a short-lived viewer token instead.
				revoke, err := b.login(cmd.Context())
				if err != nil {
					return err
				}
				defer revoke()
			}
			res, err := b.run(cmd.Context(), duration, max(cf.concurrency, 1))
			if err != nil {
				return err
			}
			res.print(cmd.OutOrStdout())
			return nil
		},
	}
	cf.register(cmd, true)
	fs := cmd.Flags()
	fs.StringVar(&api, "api", "", "REST API base URL for latency sampling, e.g. http://127.0.0.1:8080 (empty: no latency)")
	fs.StringVar(&apiUser, "api-user", "admin", "REST API user (HTTP Basic)")
	fs.StringVar(&apiPassword, "api-password", "", "REST API password (default $VIGIE_ADMIN_PASSWORD)")
	fs.DurationVar(&duration, "duration", 30*time.Second, "how long to send")
	fs.IntVar(&sampleEvery, "sample-every", 10, "sample the latency of one alert every this many batches")
	fs.Uint64Var(&seed, "seed", 1, "generator seed (the alerts' content; their IDs are random)")
	return cmd
}

// benchTemplates is how many distinct generated alerts vigie bench replays.
const benchTemplates = 10000

type bench struct {
	client      *transport.Client
	alerts      *alertgen.Templates
	batch       int
	api         string
	user        string
	password    string
	token       string // for the latency polls (login)
	sampleEvery int
	http        *http.Client
}

// benchSample is an alert whose acknowledgement-to-queryable latency is
// measured.
type benchSample struct {
	id    string
	acked time.Time
}

// maxPendingSamples bounds the samples waiting for the poller; more are
// skipped (and counted).
const maxPendingSamples = 4096

type benchResult struct {
	elapsed                    time.Duration
	accepted, rejected, failed atomic.Int64
	skipped                    atomic.Int64 // samples not taken: the poller was behind
	mu                         sync.Mutex
	latencies                  []time.Duration
	lost                       int // samples never queryable
}

func (b *bench) nextBatch() ([][]byte, string) {
	msgs := make([][]byte, b.batch)
	var (
		buf = make([]byte, 0, b.batch*1024)
		id  string
	)
	for i := range msgs {
		at := len(buf)
		buf, id = b.alerts.Append(buf)
		msgs[i] = buf[at:len(buf):len(buf)]
	}
	return msgs, id
}

func (b *bench) run(ctx context.Context, d time.Duration, senders int) (*benchResult, error) {
	res := &benchResult{}
	sendCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		wg      sync.WaitGroup
		batches atomic.Int64
	)
	// One poller, oldest sample first: polling each sample on its own
	// (hundreds of API requests per second) cost the server under test
	// ≈ 10 % of its CPU (docs/PERFORMANCE.md "Session 8").
	samples := make(chan benchSample, maxPendingSamples)
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for s := range samples {
			b.sample(ctx, res, s.id, s.acked)
		}
	}()
	start := time.Now()
	for range senders {
		wg.Go(func() {
			for sendCtx.Err() == nil {
				msgs, id := b.nextBatch()
				results, err := b.client.SendBatch(sendCtx, msgs)
				acked := time.Now()
				if results == nil {
					if sendCtx.Err() == nil {
						res.failed.Add(int64(len(msgs)))
					}
					continue
				}
				lastOK := false
				for i, r := range results {
					if r.Accepted() {
						res.accepted.Add(1)
						lastOK = i == len(results)-1
					} else {
						res.rejected.Add(1)
					}
				}
				_ = err // per-item rejections are counted above
				if b.api != "" && lastOK && batches.Add(1)%int64(b.sampleEvery) == 0 {
					select {
					case samples <- benchSample{id, acked}:
					default:
						res.skipped.Add(1) // the poller is that far behind
					}
				}
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	close(samples)
	<-polled
	return res, nil
}

// benchTokenPrefix starts the names of the tokens vigie bench creates.
const benchTokenPrefix = "vigie-bench-"

// login creates the viewer token the latency polls use, with the API user's
// password; the returned function revokes it. Token names are unique and a
// revoked token keeps its name, so each run names its own
// (vigie-bench-<time>-<random>).
func (b *bench) login(ctx context.Context) (revoke func(), err error) {
	var suffix [4]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return nil, fmt.Errorf("bench: token name: %w", err)
	}
	name := fmt.Sprintf("%s%s-%x", benchTokenPrefix, time.Now().UTC().Format("20060102T150405Z"), suffix)
	body := strings.NewReader(`{"name":"` + name + `","role":"viewer","ttl":"1h"}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.api+"/api/v1/tokens", body)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(b.user, b.password)
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bench: create an API token for latency sampling: %w", err)
	}
	defer resp.Body.Close()
	var tok struct{ ID, Token string }
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("bench: create an API token for latency sampling as %s: %s: %s", b.user, resp.Status, bytes.TrimSpace(msg))
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&tok); err != nil || tok.Token == "" {
		return nil, fmt.Errorf("bench: create an API token: unexpected answer (%v)", err)
	}
	b.token = tok.Token
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, b.api+"/api/v1/tokens/"+url.PathEscape(tok.ID), nil)
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		if resp, err := b.http.Do(req); err == nil {
			resp.Body.Close()
		}
	}, nil
}

// sample polls the API until the alert id is queryable, and records the
// latency from its acknowledgement.
func (b *bench) sample(ctx context.Context, res *benchResult, id string, acked time.Time) {
	deadline := acked.Add(60 * time.Second)
	// Polled at least once: a sample that waited behind a lost one may be
	// stored long since (its latency is then an upper bound).
	for first := true; (first || time.Now().Before(deadline)) && ctx.Err() == nil; first = false {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.api+"/api/v1/alerts/"+id, nil)
		if err != nil {
			break
		}
		req.Header.Set("Authorization", "Bearer "+b.token)
		resp, err := b.http.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				res.mu.Lock()
				res.latencies = append(res.latencies, time.Since(acked))
				res.mu.Unlock()
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	res.mu.Lock()
	res.lost++
	res.mu.Unlock()
}

func (r *benchResult) print(w io.Writer) {
	acc := r.accepted.Load()
	fmt.Fprintf(w, "sent for %s: %d alerts acknowledged (%.0f alerts/s), %d rejected, %d failed\n",
		r.elapsed.Round(time.Millisecond), acc, float64(acc)/r.elapsed.Seconds(), r.rejected.Load(), r.failed.Load())
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.latencies) == 0 && r.lost == 0 {
		return
	}
	slices.Sort(r.latencies)
	fmt.Fprintf(w, "acknowledgement → queryable over %d samples: p50 %s, p90 %s, p99 %s, max %s; %d never queryable within 60 s\n",
		len(r.latencies), pct(r.latencies, 50), pct(r.latencies, 90), pct(r.latencies, 99), pct(r.latencies, 100), r.lost)
	if n := r.skipped.Load(); n > 0 {
		fmt.Fprintf(w, "%d batches not sampled: the latency poller was %d samples behind\n", n, maxPendingSamples)
	}
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	i = min(max(i-1, 0), len(sorted)-1)
	return sorted[i].Round(time.Millisecond)
}
