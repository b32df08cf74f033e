// Package barenats starts a bare in-process NATS server with JetStream,
// without Guichet's streams, for measurements and tests that compare raw
// JetStream with Guichet.
//
// A tool (internal/test/layering).
package barenats

import (
	"errors"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Server is a running bare server and a JetStream connection to it.
type Server struct {
	JS jetstream.JetStream
	ns *server.Server
	nc *nats.Conn
}

// Start starts a server that keeps its JetStream data in dir, syncing
// every write to disk or not.
func Start(dir string, syncAlways bool) (*Server, error) {
	ns, err := server.NewServer(&server.Options{
		JetStream:  true,
		StoreDir:   dir,
		SyncAlways: syncAlways,
		DontListen: true,
		NoLog:      true,
		NoSigs:     true,
	})
	if err != nil {
		return nil, err
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("barenats: the server did not start")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		ns.Shutdown()
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		ns.Shutdown()
		return nil, err
	}
	return &Server{JS: js, ns: ns, nc: nc}, nil
}

// Close closes the connection and stops the server.
func (s *Server) Close() {
	s.nc.Close()
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}
