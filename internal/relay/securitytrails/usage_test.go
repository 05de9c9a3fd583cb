package securitytrails

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

func TestUsage(t *testing.T) {
	key, _ := NewAPIKey("k")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/account/usage" || r.Header.Get("APIKEY") != "k" {
			w.WriteHeader(403)
			return
		}
		w.Write([]byte(`{"current_monthly_usage": 50, "allowed_monthly_usage": 50}`))
	})
	u, err := newTestClient(t, h, Options{}).Usage(context.Background(), key)
	if err != nil || u.Current != 50 || u.Allowed != 50 || !u.Exhausted() {
		t.Errorf("usage %+v %v", u, err)
	}
	if (Usage{Current: 10}).Exhausted() {
		t.Error("no announced limit counted as exhausted")
	}
	bad, _ := NewAPIKey("other")
	var ae *APIError
	if _, err := newTestClient(t, h, Options{}).Usage(context.Background(), bad); !errors.As(err, &ae) || ae.Status != 403 {
		t.Errorf("bad key: %v", err)
	}
	notJSON := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("<html>")) })
	var re *ResponseError
	if _, err := newTestClient(t, notJSON, Options{}).Usage(context.Background(), key); !errors.As(err, &re) {
		t.Errorf("not JSON: %v", err)
	}
}
