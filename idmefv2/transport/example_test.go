package transport_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/vigie-siem/vigie/idmefv2/transport"
)

// A receiver that authenticates sensors by token, limits each to 100
// messages per second and prints what it accepts; a client sends to it.
func Example() {
	auth, _ := transport.NewStaticAuth(transport.StaticAuthOptions{
		Tokens: map[string]transport.Secret{"sensor-1": "s3cret"},
	})
	limiter, _ := transport.NewRateLimiter(transport.RateLimitOptions{Rate: 100})
	h, _ := transport.NewHandler(transport.Options{
		Auth:    auth,
		Limiter: limiter,
		Sink: transport.SinkFunc(func(_ context.Context, batch []transport.Message) error {
			for _, m := range batch {
				fmt.Printf("from %s: %s\n", m.Peer.Name, m.Data)
			}
			return nil // durable: the sender gets 204 now
		}),
	})
	srv := httptest.NewServer(h) // in production: transport.NewServer with ServerTLSConfig
	defer srv.Close()

	c, _ := transport.NewClient(transport.ClientOptions{URL: srv.URL, BearerToken: "s3cret"})
	defer c.Close()
	err := c.Send(context.Background(), []byte(`{"Version":"2.D.V08","ID":"42"}`))
	fmt.Println("error:", err)
	// Output:
	// from sensor-1: {"Version":"2.D.V08","ID":"42"}
	// error: <nil>
}
