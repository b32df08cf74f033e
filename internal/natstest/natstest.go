// Package natstest starts bare embedded NATS servers with JetStream for
// tests and benchmarks that need a server without Guichet's streams.
package natstest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStream starts an in-process server with JetStream in a temporary
// directory, syncing every write to disk or not, and returns a JetStream
// context on it; both stop when the test ends.
func JetStream(tb testing.TB, syncAlways bool) jetstream.JetStream {
	tb.Helper()
	ns, err := server.NewServer(&server.Options{JetStream: true, StoreDir: tb.TempDir(), SyncAlways: syncAlways, DontListen: true, NoLog: true, NoSigs: true})
	if err != nil {
		tb.Fatal(err)
	}
	go ns.Start()
	tb.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		tb.Fatal("nats not ready")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return js
}
