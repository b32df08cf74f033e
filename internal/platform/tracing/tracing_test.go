package tracing

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/trace"

	"github.com/guichet/guichet/internal/platform/requestid"
)

// What Inject writes, Extract reads back: the request's identifier, and
// the trace context under its W3C names.
func TestInjectExtract(t *testing.T) {
	traceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	spanID, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(requestid.With(context.Background(), "req-1"),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled}))
	h := nats.Header{}
	Inject(ctx, h)
	if got := h.Get("traceparent"); got != "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" {
		t.Errorf("traceparent = %q (headers %v)", got, h)
	}
	back := Extract(context.Background(), h)
	if requestid.From(back) != "req-1" {
		t.Errorf("request id = %q", requestid.From(back))
	}
	if sc := trace.SpanContextFromContext(back); sc.TraceID() != traceID || sc.SpanID() != spanID || !sc.IsRemote() {
		t.Errorf("span context = %+v", sc)
	}
	// Nothing to carry, nothing written.
	empty := nats.Header{}
	Inject(context.Background(), empty)
	if len(empty) != 0 {
		t.Errorf("headers of a context without request: %v", empty)
	}
}

func TestSetupWithoutCollector(t *testing.T) {
	shutdown, err := Setup(context.Background(), func(string) string { return "" }, "test")
	if err != nil || shutdown(context.Background()) != nil {
		t.Fatalf("Setup without OTEL_*: %v", err)
	}
}
