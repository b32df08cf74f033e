package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/submit"
)

// A traceparent sent with a submission is followed through NATS headers:
// the HTTP span is its child, and each processor's span of the submission
// belongs to the same trace; the events carry the request's identifier.
func TestTraceFollowsTheSubmission(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)))
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	g := start(t, t.TempDir(), true)
	receipt := g.must(201, "POST", "/api/forms/subvention-association/submissions", "", association,
		"traceparent", "00-"+traceID+"-"+parentID+"-01", "X-Request-Id", "req-trace-1")
	ref := receipt["reference"].(string)
	g.waitProcessed(ref, receipt["token"].(string))

	seen := map[string]bool{}
	deadline := time.Now().Add(10 * time.Second)
	for (!seen["POST /api/forms/{id}/submissions"] || !seen["process pdf"] || !seen["process route"]) && time.Now().Before(deadline) {
		for _, s := range spans.GetSpans() {
			if s.SpanContext.TraceID().String() != traceID {
				continue
			}
			seen[s.Name] = true
			if s.Name == "POST /api/forms/{id}/submissions" && s.Parent.SpanID().String() != parentID {
				t.Errorf("the HTTP span's parent is %s, want %s", s.Parent.SpanID(), parentID)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, name := range []string{"POST /api/forms/{id}/submissions", "process pdf", "process route"} {
		if !seen[name] {
			t.Errorf("no span %q in the trace; spans of the trace: %v", name, seen)
		}
	}

	// The routed event, published by the route processor, carries both on.
	events, err := g.app.Bus.JS.Stream(context.Background(), bus.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	var routed nats.Header
	err = bus.ScanWhile(context.Background(), events, bus.StagesSubject(ref), func(msg jetstream.Msg) bool {
		if submit.StageOf(msg) == submit.Routed {
			routed = msg.Headers()
		}
		return routed == nil
	})
	if err != nil || routed == nil {
		t.Fatalf("no routed event: %v", err)
	}
	if got := routed.Get("Guichet-Request-Id"); got != "req-trace-1" {
		t.Errorf("request id on the routed event: %q", got)
	}
	if got := routed.Get("traceparent"); !strings.Contains(got, traceID) {
		t.Errorf("traceparent on the routed event: %q", got)
	}
}

// Processor nodes serve no API; their metrics, processing durations among
// them, are served on their own address.
func TestProcessorNodeServesItsMetrics(t *testing.T) {
	ns := startServer(t, &server.Options{})
	apiNode := startWith(t, app.Config{NATSURL: ns.ClientURL(), Demo: true, Role: app.RoleAPI})
	worker := startWith(t, app.Config{NATSURL: ns.ClientURL(), Role: app.RoleProcessors})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	worker.app.ServeMetrics(ln)
	receipt := apiNode.must(201, "POST", "/api/forms/subvention-association/submissions", "", association)
	apiNode.waitProcessed(receipt["reference"].(string), receipt["token"].(string))

	// A processor's duration is observed once its handler has returned,
	// just after the routed event it published: read until both are there.
	wants := []string{
		`guichet_processing_duration_seconds_count{consumer="pdf",outcome="processed"} 1`,
		`guichet_processing_duration_seconds_count{consumer="route",outcome="processed"} 1`,
	}
	var body string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		body = metricsAt(t, "http://"+ln.Addr().String()+"/metrics")
		missing := slices.IndexFunc(wants, func(want string) bool { return !strings.Contains(body, want+"\n") })
		if missing < 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in:\n%.3000s", wants[missing], body)
		}
	}
	// The API node processed nothing, so it timed nothing.
	apiMetrics := string(apiNode.Must(200, "GET", "/metrics", adminToken, "").Body)
	if strings.Contains(apiMetrics, "guichet_processing_duration_seconds_count{") {
		t.Error("the API node reports processing")
	}
}

// metricsAt reads a metrics page, which must answer 200.
func metricsAt(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d, %v", url, resp.StatusCode, err)
	}
	return string(body)
}
