// Package metrics serves Guichet's Prometheus metrics: what an operator
// must watch, read from NATS at each scrape, and the Go runtime's own.
//
// It imports bus only.
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

// Handler serves the metrics in Prometheus' text format.
func Handler(js jetstream.JetStream) http.Handler {
	registry := prometheus.NewRegistry()
	registry.MustRegister(
		deadLetters{js: js},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
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
