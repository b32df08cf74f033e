// Package natstest starts bare embedded NATS servers with JetStream for
// tests and benchmarks that need a server without Guichet's streams.
//
// A tool (internal/test/layering).
package natstest

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/internal/bench/barenats"
)

// JetStream starts an in-process server with JetStream in a temporary
// directory, syncing every write to disk or not, and returns a JetStream
// context on it; both stop when the test ends.
func JetStream(tb testing.TB, syncAlways bool) jetstream.JetStream {
	tb.Helper()
	s, err := barenats.Start(tb.TempDir(), syncAlways)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s.JS
}
