// Package tracing follows a submission end to end: from its HTTP request,
// through the NATS messages it causes, to each processor that handles
// them. What travels is the request's identifier (see package requestid)
// and its W3C trace context (traceparent, tracestate), in the messages'
// NATS headers.
//
// Spans are recorded with OpenTelemetry. Setup sends them to a collector
// when the standard OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; otherwise none is recorded,
// and a traceparent received from a client is still passed on unchanged.
//
// Foundation layer (internal/test/layering).
package tracing

import (
	"context"
	"net/http"
	"strconv"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/guichet/guichet/internal/platform/requestid"
)

// propagator reads and writes the W3C trace context.
var propagator = propagation.TraceContext{}

func tracer() trace.Tracer { return otel.Tracer("github.com/guichet/guichet") }

// Setup installs the process's tracer provider: spans go over OTLP/HTTP
// to the collector the OTEL_* variables name, if one is named. It returns
// the function that sends the last spans at shutdown.
func Setup(ctx context.Context, getenv func(string) string, version string) (shutdown func(context.Context) error, err error) {
	if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return func(context.Context) error { return nil }, nil
	}
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	service := getenv("OTEL_SERVICE_NAME")
	if service == "" {
		service = "guichet"
	}
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName(service), semconv.ServiceVersion(version))),
	)
	otel.SetTracerProvider(provider)
	return provider.Shutdown, nil
}

// Inject writes what follows ctx's request into a message's headers.
func Inject(ctx context.Context, h nats.Header) {
	if id := requestid.From(ctx); id != "" {
		h.Set(requestid.NATSHeader, id)
	}
	propagator.Inject(ctx, carrier(h))
}

// Extract reads what Inject wrote back into a context, for the handling
// of the message.
func Extract(ctx context.Context, h nats.Header) context.Context {
	if id := h.Get(requestid.NATSHeader); id != "" {
		ctx = requestid.With(ctx, id)
	}
	return propagator.Extract(ctx, carrier(h))
}

// carrier keeps the W3C names as they are ("traceparent"): NATS headers
// are case-sensitive.
type carrier nats.Header

func (c carrier) Get(key string) string { return nats.Header(c).Get(key) }
func (c carrier) Set(key, value string) { nats.Header(c).Set(key, value) }
func (c carrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// Process starts the span of a processor handling a message; end it with
// the handling's error.
func Process(ctx context.Context, consumer, subject string, delivery uint64) (context.Context, func(error)) {
	ctx, span := tracer().Start(ctx, "process "+consumer, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			semconv.MessagingSystemKey.String("nats"),
			semconv.MessagingDestinationName(subject),
			semconv.MessagingConsumerGroupName(consumer),
			attribute.Int64("messaging.nats.delivery", int64(delivery)),
		))
	return ctx, func(err error) {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
}

// Middleware gives each request a server span, child of the traceparent
// the request came with, named after the route mux chose. It wraps the
// mux itself, and passes the route on to what wraps it, as the mux does.
func Middleware(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer().Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(semconv.HTTPRequestMethodKey.String(r.Method)))
		defer span.End()
		recorder := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		traced := r.WithContext(ctx)
		mux.ServeHTTP(recorder, traced)
		if r.Pattern = traced.Pattern; r.Pattern != "" {
			span.SetName(r.Pattern)
			span.SetAttributes(semconv.HTTPRoute(r.Pattern))
		}
		span.SetAttributes(semconv.HTTPResponseStatusCode(recorder.status))
		if recorder.status >= 500 {
			span.SetStatus(codes.Error, strconv.Itoa(recorder.status))
		}
	})
}

// statusRecorder remembers the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
