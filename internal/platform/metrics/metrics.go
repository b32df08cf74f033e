// Package metrics serves Guichet's Prometheus metrics: what it counts as
// it runs (HTTP requests by route and status, submissions by form and
// outcome, processing durations by processor), what an operator must
// watch, read from NATS at each scrape (dead letters, storage, writes and
// disk syncs by stream, the processors' backlog), and the Go runtime's
// own.
//
// Storage layer (internal/test/layering).
package metrics

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/guichet/guichet/bus"
)

// Metrics counts what Guichet does as it runs (HTTP requests,
// submissions), and serves those counts with what it reads from JetStream
// at each scrape.
type Metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	durations   *prometheus.HistogramVec
	submissions *prometheus.CounterVec
	processing  *prometheus.HistogramVec
	files       *prometheus.CounterVec
}

// New starts the counts, reading the rest from js; batches, when set,
// counts the atomic batches the process wrote (Bus.Batches), for the disk
// syncs by stream.
func New(js jetstream.JetStream, batches func() map[string]bus.BatchStats) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "guichet_http_requests_total",
			Help: "HTTP requests answered, by route (the pattern served, \"unmatched\" for none), method and status code."},
			[]string{"route", "method", "code"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "guichet_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
			[]string{"route", "method"}),
		submissions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "guichet_submissions_total",
			Help: "Submissions by form and outcome: accepted, invalid, refused (closed form, sign-in needed, idempotency key reused), " +
				"rate_limited (form not read: \"\") or unavailable.",
		},
			[]string{"form", "outcome"}),
		processing: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "guichet_processing_duration_seconds",
			Help: "Time a processor took to handle a message, by processor (its durable consumer) and outcome: processed, retried or " +
				"dead_lettered.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		},
			[]string{"consumer", "outcome"}),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "guichet_files_scanned_total",
			Help: "Files received and rescanned, by ClamAV's result: clean, infected, or unscanned (the daemon down or not set).",
		}, []string{"scan"}),
	}
	m.registry.MustRegister(
		m.requests, m.durations, m.submissions, m.processing, m.files,
		deadLetters{js: js},
		jetStreamUse{js: js, batches: batches},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Submission counts one submission to form, with its outcome.
func (m *Metrics) Submission(form, outcome string) {
	m.submissions.WithLabelValues(form, outcome).Inc()
}

// File counts one file scanned, or kept unscanned, by its result.
func (m *Metrics) File(scan string) {
	m.files.WithLabelValues(scan).Inc()
}

// Processed times one message a processor handled, with its outcome.
func (m *Metrics) Processed(consumer, outcome string, took time.Duration) {
	m.processing.WithLabelValues(consumer, outcome).Observe(took.Seconds())
}

// routeKey holds, in a request's context, where the route it matched is
// written once the mux has matched it.
type routeKey struct{}

// Instrument counts and times the requests that middleware and then mux
// serve, labelled with the pattern mux matched, so that the routes, not
// the paths, are counted, and requests that middleware answers itself
// are counted too.
func (m *Metrics) Instrument(mux http.Handler, middleware func(http.Handler) http.Handler) http.Handler {
	matched := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if route, ok := r.Context().Value(routeKey{}).(*string); ok && r.Pattern != "" {
			*route = r.Pattern
		}
	})
	route := promhttp.WithLabelFromCtx("route", func(ctx context.Context) string {
		if route, ok := ctx.Value(routeKey{}).(*string); ok {
			return *route
		}
		return "unmatched"
	})
	counted := promhttp.InstrumentHandlerDuration(m.durations,
		promhttp.InstrumentHandlerCounter(m.requests, middleware(matched), route), route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		unmatched := "unmatched"
		counted.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), routeKey{}, &unmatched)))
	})
}

var deadLettersDesc = prometheus.NewDesc("guichet_dead_letters",
	"Messages a processor gave up on and that were not replayed yet, by stream, processor and reason (terminated or max_deliveries).",
	[]string{"stream", "consumer", "reason"}, nil)

// deadLetters counts the advisories the DEADLETTER stream holds; a replay
// deletes its advisory, so the count falls once a fault is fixed.
type deadLetters struct{ js jetstream.JetStream }

func (d deadLetters) Describe(ch chan<- *prometheus.Desc) { ch <- deadLettersDesc }

func (d deadLetters) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := d.js.Stream(ctx, bus.StreamDeadLetter)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(deadLettersDesc, err)
		return
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(">"))
	if err != nil {
		ch <- prometheus.NewInvalidMetric(deadLettersDesc, err)
		return
	}
	for subject, n := range info.State.Subjects {
		// $JS.EVENT.ADVISORY.CONSUMER.<REASON>.<stream>.<consumer>
		parts := strings.Split(subject, ".")
		if len(parts) != 7 {
			continue
		}
		reason := strings.ToLower(strings.TrimPrefix(parts[4], "MSG_"))
		ch <- prometheus.MustNewConstMetric(deadLettersDesc, prometheus.GaugeValue, float64(n), parts[5], parts[6], reason)
	}
}

var (
	streamMessagesDesc = prometheus.NewDesc("guichet_stream_messages",
		"Messages a JetStream stream holds; buckets and the object store are streams too (KV_…, OBJ_…).", []string{"stream"}, nil)
	streamBytesDesc = prometheus.NewDesc("guichet_stream_bytes",
		"Bytes a JetStream stream takes in its store.", []string{"stream"}, nil)
	consumerPendingDesc = prometheus.NewDesc("guichet_consumer_pending",
		"Messages a processor has not been given yet: its backlog.", []string{"stream", "consumer"}, nil)
	consumerAckPendingDesc = prometheus.NewDesc("guichet_consumer_ack_pending",
		"Messages a processor has been given and not yet finished.", []string{"stream", "consumer"}, nil)
	consumerRedeliveredDesc = prometheus.NewDesc("guichet_consumer_redelivered",
		"Messages a processor is being given again, after a failure or a timeout.", []string{"stream", "consumer"}, nil)
	streamWritesDesc = prometheus.NewDesc("guichet_stream_writes_total",
		"Messages ever written to a JetStream stream, as the server counts them (its last sequence).", []string{"stream"}, nil)
	streamSyncsDesc = prometheus.NewDesc("guichet_stream_syncs_total",
		"Disk syncs a stream's writes took: one per atomic batch, one per message written alone. Its rate is exact; its value counts the "+
			"writes of earlier processes as syncs of their own.", []string{"stream"}, nil)
	streamBatchesDesc = prometheus.NewDesc("guichet_stream_batches_total",
		"Atomic batches this process wrote a stream with (group commit and batched receipts).", []string{"stream"}, nil)
)

// jetStreamUse reports, for every stream, what it holds and how it was
// written, and for every durable consumer, its backlog.
type jetStreamUse struct {
	js      jetstream.JetStream
	batches func() map[string]bus.BatchStats
}

func (j jetStreamUse) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{streamMessagesDesc, streamBytesDesc, streamWritesDesc, streamSyncsDesc, streamBatchesDesc,
		consumerPendingDesc, consumerAckPendingDesc, consumerRedeliveredDesc} {
		ch <- d
	}
}

func (j jetStreamUse) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var batches map[string]bus.BatchStats
	if j.batches != nil {
		batches = j.batches()
	}
	streams := j.js.ListStreams(ctx)
	for info := range streams.Info() {
		name := info.Config.Name
		ch <- prometheus.MustNewConstMetric(streamMessagesDesc, prometheus.GaugeValue, float64(info.State.Msgs), name)
		ch <- prometheus.MustNewConstMetric(streamBytesDesc, prometheus.GaugeValue, float64(info.State.Bytes), name)
		writes, batched := info.State.LastSeq, batches[name]
		ch <- prometheus.MustNewConstMetric(streamWritesDesc, prometheus.CounterValue, float64(writes), name)
		// A batch is one sync; every write outside a batch is one.
		syncs := writes - min(writes, batched.Messages) + batched.Batches
		ch <- prometheus.MustNewConstMetric(streamSyncsDesc, prometheus.CounterValue, float64(syncs), name)
		ch <- prometheus.MustNewConstMetric(streamBatchesDesc, prometheus.CounterValue, float64(batched.Batches), name)
		if info.State.Consumers == 0 {
			continue
		}
		stream, err := j.js.Stream(ctx, name)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(consumerPendingDesc, err)
			continue
		}
		consumers := stream.ListConsumers(ctx)
		for c := range consumers.Info() {
			if c.Config.Durable == "" {
				continue // a reader's ephemeral consumer, not a processor
			}
			ch <- prometheus.MustNewConstMetric(consumerPendingDesc, prometheus.GaugeValue, float64(c.NumPending), name, c.Name)
			ch <- prometheus.MustNewConstMetric(consumerAckPendingDesc, prometheus.GaugeValue, float64(c.NumAckPending), name, c.Name)
			ch <- prometheus.MustNewConstMetric(consumerRedeliveredDesc, prometheus.GaugeValue, float64(c.NumRedelivered), name, c.Name)
		}
		if err := consumers.Err(); err != nil {
			ch <- prometheus.NewInvalidMetric(consumerPendingDesc, err)
		}
	}
	if err := streams.Err(); err != nil {
		ch <- prometheus.NewInvalidMetric(streamMessagesDesc, err)
	}
}
