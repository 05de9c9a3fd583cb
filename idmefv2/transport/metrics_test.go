package transport

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestHandlerMetricsAndLogs(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	auth, err := NewStaticAuth(StaticAuthOptions{Tokens: map[string]Secret{"s1": "very-secret-token"}})
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHandler(t, Options{Sink: &memSink{}, Validator: testValidator, Auth: auth, Registerer: reg, Logger: logger})
	send := func(token, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", jsonType)
		req.Header.Set("Authorization", "Bearer "+token)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	send("very-secret-token", okMsg)
	send("very-secret-token", `{"Version":"private-body-content"}`)
	send("very-secret-token", "["+okMsg+","+okMsg2+"]")
	send("wrong-secret-token", okMsg)

	for _, tc := range []struct {
		name, metric, label string
		want                float64
	}{
		{"204s", "vigie_transport_requests_total", "204", 2},
		{"400s", "vigie_transport_requests_total", "400", 1},
		{"401s", "vigie_transport_requests_total", "401", 1},
		{"accepted messages", "vigie_transport_messages_total", "accepted", 3},
		{"rejected messages", "vigie_transport_messages_total", "rejected", 1},
		{"latency observations", "vigie_transport_request_duration_seconds", "", 4},
	} {
		if got := metricValue(t, reg, tc.metric, tc.label); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"status":400`) {
		t.Errorf("refusals not logged at debug level: %s", out)
	}
	for _, secret := range []string{"secret-token", "private-body-content"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs reveal %q: %s", secret, out)
		}
	}
	if _, err := NewHandler(Options{Sink: &memSink{}, Registerer: reg}); err == nil || !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
		t.Errorf("second handler on the same registry: err = %v, want AlreadyRegisteredError", err)
	}
}

// metricValue gathers reg and returns the counter value (or histogram
// sample count) of the series of name whose only label has value label.
func metricValue(t *testing.T, reg prometheus.Gatherer, name, label string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, fam := range families {
		if fam.GetName() != name {
			continue
		}
		for _, m := range fam.GetMetric() {
			if label != "" && (len(m.GetLabel()) != 1 || m.GetLabel()[0].GetValue() != label) {
				continue
			}
			return sampleValue(m)
		}
	}
	return 0
}

func sampleValue(m *dto.Metric) float64 {
	if h := m.GetHistogram(); h != nil {
		return float64(h.GetSampleCount())
	}
	return m.GetCounter().GetValue()
}
